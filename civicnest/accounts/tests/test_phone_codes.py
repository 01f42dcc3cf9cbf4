"""SMS one-time codes: limits per number and per client, expiry, counted attempts, single use, no stored numbers."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicnest.accounts.models import CodePurpose, PhoneCode
from civicnest.accounts.phone_codes import (
    MAX_ATTEMPTS,
    CodeThrottled,
    code_in_text,
    phone_code_send,
    phone_code_verify,
)
from civicnest.core.sms import captured_sms

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
SIGNUP = CodePurpose.SIGNUP


def send(phone: str = PHONE, ip: str | None = "203.0.113.5", context: str = "") -> str:
    with captured_sms() as outbox:
        phone_code_send(phone=phone, purpose=SIGNUP, context=context, client_ip=ip)
    assert [p for p, _text in outbox] == [phone]
    return code_in_text(outbox[0][1])


def backdate(seconds: int) -> None:
    PhoneCode.objects.update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_a_code_is_accepted_once_and_nothing_readable_is_stored() -> None:
    code = send()
    phone_code_verify(phone=PHONE, purpose=SIGNUP, code=code)
    with pytest.raises(ValidationError, match="已失效"):
        phone_code_verify(phone=PHONE, purpose=SIGNUP, code=code)
    row = PhoneCode.objects.get()
    assert PHONE not in row.phone_key and code not in row.code_hash and row.used_at


def test_wrong_guesses_are_counted_and_kill_the_code() -> None:
    code = send()
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _n in range(MAX_ATTEMPTS):
        with pytest.raises(ValidationError) as exc:
            phone_code_verify(phone=PHONE, purpose=SIGNUP, code=wrong)
        messages.append(exc.value.message_dict["code"][0])
    assert messages[0] == "验证码不正确，还可以再试 4 次。"
    assert messages[-1] == "验证码错误次数过多，请重新获取。"
    with pytest.raises(ValidationError, match="已失效"):
        phone_code_verify(phone=PHONE, purpose=SIGNUP, code=code)
    assert PhoneCode.objects.get().attempts == MAX_ATTEMPTS


def test_an_expired_code_or_another_purpose_is_refused() -> None:
    code = send()
    with pytest.raises(ValidationError):
        phone_code_verify(phone=PHONE, purpose=CodePurpose.RESET, code=code)
    with pytest.raises(ValidationError):
        phone_code_verify(phone=PHONE, purpose=SIGNUP, code=code, context="other")
    PhoneCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="已失效"):
        phone_code_verify(phone=PHONE, purpose=SIGNUP, code=code)


def test_a_new_code_replaces_the_old_one() -> None:
    first = send()
    backdate(61)
    second = send()
    if first != second:
        with pytest.raises(ValidationError):
            phone_code_verify(phone=PHONE, purpose=SIGNUP, code=first)
    phone_code_verify(phone=PHONE, purpose=SIGNUP, code=second)


def test_one_number_waits_a_minute_and_gets_five_an_hour() -> None:
    send()
    with pytest.raises(CodeThrottled, match="秒后再获取") as exc:
        send()
    assert 0 < exc.value.retry_after <= 60
    for _n in range(4):
        backdate(61)
        send()
    backdate(61)  # all five are now 61 s old: inside the hour
    with pytest.raises(CodeThrottled, match="该手机号"):
        send()
    assert PhoneCode.objects.count() == 5


def test_one_client_gets_ten_an_hour_whatever_numbers_it_gives() -> None:
    for n in range(10):
        send(f"1390000{n:04d}")
    with pytest.raises(CodeThrottled, match="本设备"):
        send("13911112222")
    send("13911112222", ip="198.51.100.7")  # another client is not held up


@pytest.mark.parametrize(
    "bad", ["", "12345", "23812345678", "1381234567x", "138123456789", "１３８１２３４５６７８"]
)
def test_not_a_mainland_mobile(bad: str) -> None:
    with captured_sms() as outbox, pytest.raises(ValidationError) as exc:
        phone_code_send(phone=bad, purpose=SIGNUP)
    assert "phone" in exc.value.message_dict and outbox == [] and not PhoneCode.objects.exists()


def test_an_empty_code_is_a_field_error() -> None:
    send()
    with pytest.raises(ValidationError) as exc:
        phone_code_verify(phone=PHONE, purpose=SIGNUP, code="  ")
    assert exc.value.message_dict["code"] == ["请填写短信验证码。"]
