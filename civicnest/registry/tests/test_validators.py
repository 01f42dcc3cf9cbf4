from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from civicnest.core.validators import (
    org_code_check_char,
    uscc_build,
    validate_id_number,
    validate_uscc,
)

VALID = uscc_build(org_type="social_service", region_code="420102", body="MA4K3X7Q")


def test_gb11714_reference_example() -> None:
    # The standard's own example: D2143569-X.
    assert org_code_check_char("D2143569") == "X"


def test_valid_code_passes_and_is_normalised() -> None:
    assert validate_uscc(f" {VALID.lower()} ", org_type="social_service") == VALID


@pytest.mark.parametrize(
    ("code", "org_type", "message"),
    [
        (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"), None, "校验位不正确"),
        (VALID[:17], None, "应为 18 位"),
        ("9" + VALID[1:], None, "第 1 位应为 5"),
        (VALID, "foundation", "与所选组织类型不符"),
        (VALID, "social_group", "与所选组织类型不符"),
    ],
)
def test_bad_codes_are_refused_in_chinese(code: str, org_type: str | None, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code, org_type=org_type)
    assert message in exc.value.messages[0]


def test_embedded_organization_code_check_is_enforced() -> None:
    """stdnum accepts a code whose GB 11714 character is wrong once the last character is recomputed."""
    from stdnum.cn import uscc

    first17 = VALID[:16] + ("0" if VALID[16] != "0" else "1")
    forged = first17 + uscc.calc_check_digit(first17)
    assert uscc.is_valid(forged)
    with pytest.raises(ValidationError, match="组织机构代码"):
        validate_uscc(forged)


@given(
    body=st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8),
    org_type=st.sampled_from(["social_group", "social_service", "foundation"]),
)
def test_every_built_code_validates(body: str, org_type: str) -> None:
    code = uscc_build(org_type=org_type, region_code="420106", body=body)
    assert validate_uscc(code, org_type=org_type) == code


def test_id_numbers() -> None:
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    with pytest.raises(ValidationError, match="身份证"):
        validate_id_number("110105194912310021")
