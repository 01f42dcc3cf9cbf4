"""Chinese identifiers: unified social credit codes (GB 32100) and resident ID numbers (GB 11643).

python-stdnum does the code-level checksum; the embedded GB 11714 organization-code check character and the
civil-affairs registrar/type rules are checked here on top (stdnum skips them; see DOMAIN.md §5).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
CIVIL_AFFAIRS_REGISTRAR = "5"
# Position 2 of a civil-affairs code names the legal type.
TYPE_DIGITS = {"social_group": "1", "social_service": "2", "foundation": "3"}


def org_code_check_char(body: str) -> str:
    """GB 11714 check character for the 8-character organization code body."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_build(*, org_type: str, region_code: str, body: str) -> str:
    """A valid civil-affairs code for `body` (8 digits/letters): used by the demo and test data."""
    first17 = (
        CIVIL_AFFAIRS_REGISTRAR
        + TYPE_DIGITS[org_type]
        + region_code
        + body
        + org_code_check_char(body)
    )
    return first17 + uscc.calc_check_digit(first17)


def validate_uscc(value: str, *, org_type: str | None = None) -> str:
    """Return the compact code, or raise a Chinese ValidationError saying what is wrong."""
    code = (value or "").strip().upper().replace(" ", "").replace("-", "")
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)d 位。") % {"n": len(code)}, code="length"
        )
    if code[0] != CIVIL_AFFAIRS_REGISTRAR:
        raise ValidationError(
            _("统一社会信用代码第 1 位应为 5（民政部门登记），当前为 %(c)s。") % {"c": code[0]},
            code="registrar",
        )
    try:
        uscc.validate(code)
    except StdnumError as exc:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="checksum") from exc
    body, check = code[8:16], code[16]
    if not body.isalnum() or org_code_check_char(body) != check:
        raise ValidationError(
            _("统一社会信用代码中的组织机构代码（第 9–17 位）校验不正确。"), code="org_code"
        )
    if org_type is not None and TYPE_DIGITS.get(org_type) != code[1]:
        raise ValidationError(
            _(
                "统一社会信用代码第 2 位为 %(d)s，与所选组织类型不符（社会团体为 1，社会服务机构为 2，基金会为 3）。"
            )
            % {"d": code[1]},
            code="type",
        )
    return code


def validate_id_number(value: str) -> str:
    try:
        return str(ric.validate(value))
    except StdnumError as exc:
        raise ValidationError(_("居民身份证号码不正确，请核对。"), code="invalid_id") from exc
