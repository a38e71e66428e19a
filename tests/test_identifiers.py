from datetime import date, timedelta

import pytest

from app.forms.identifiers import (
    bank_account_problem,
    id_number_birth_date,
    id_number_check_digit,
    id_number_gender,
    id_number_problem,
    mask_bank_account,
    mask_id_number,
    mask_mobile,
    mobile_problem,
    normalize_bank_account,
    normalize_id_number,
    normalize_mobile,
)

TODAY = date(2024, 6, 15)
PUBLISHED_EXAMPLE = "11010519491231002X"  # GB 11643-1999 example, female


def make_id(region: str = "110101", born: str = "19800101", sequence: str = "001") -> str:
    """A well-formed ID number whose check digit is computed, not hard-coded."""
    first17 = region + born + sequence
    return first17 + id_number_check_digit(first17)


def wrong_check_digit(number: str) -> str:
    right = number[17]
    return number[:17] + ("1" if right != "1" else "2")


# --- check digit ---------------------------------------------------------


def test_check_digit_matches_published_example():
    assert id_number_check_digit(PUBLISHED_EXAMPLE[:17]) == "X"


def test_check_digit_follows_mod_11_2_weights():
    # Weighted sum mod 11 indexes "10X98765432".
    assert id_number_check_digit("00000000000000000") == "1"  # 0
    assert id_number_check_digit("00000000000000001") == "X"  # last weight 2
    assert id_number_check_digit("10000000000000000") == "5"  # first weight 7
    assert id_number_check_digit("00000000000000003") == "6"  # 3 * 2 = 6


@pytest.mark.parametrize("bad", ["1101051949123100", "110105194912310021", "1101051949123100A", ""])
def test_check_digit_rejects_anything_but_17_digits(bad):
    with pytest.raises(ValueError):
        id_number_check_digit(bad)


# --- id_number_problem ---------------------------------------------------


def test_published_example_is_valid():
    assert id_number_problem(PUBLISHED_EXAMPLE, today=TODAY) is None


def test_computed_sample_is_valid():
    assert id_number_problem(make_id(), today=TODAY) is None


def test_lower_case_x_check_digit_is_accepted():
    assert id_number_problem(PUBLISHED_EXAMPLE.lower(), today=TODAY) is None


@pytest.mark.parametrize("value", ["", "11010519491231002", "11010519491231002X1", "110105194912"])
def test_wrong_length_is_length_problem(value):
    assert id_number_problem(value, today=TODAY) == "length"


@pytest.mark.parametrize(
    "value",
    [
        "1101051949123100AX",  # letter in the first 17
        "11010519491231002Y",  # 18th is neither digit nor X
        "X10105194912310021",  # X only allowed last
        "110105-94912310021",
    ],
)
def test_non_digits_are_characters_problem(value):
    assert id_number_problem(value, today=TODAY) == "characters"


def test_characters_checked_before_birth_date():
    assert id_number_problem("1101051949AB31002X", today=TODAY) == "characters"


@pytest.mark.parametrize("born", ["19800230", "19801301", "19800100", "18991231"])
def test_impossible_or_too_early_birth_date_is_birth_date_problem(born):
    assert id_number_problem(make_id(born=born), today=TODAY) == "birth_date"


def test_birth_after_today_is_birth_date_problem():
    tomorrow = (TODAY + timedelta(days=1)).strftime("%Y%m%d")
    assert id_number_problem(make_id(born=tomorrow), today=TODAY) == "birth_date"


def test_birth_on_boundary_dates_is_valid():
    assert id_number_problem(make_id(born="19000101"), today=TODAY) is None
    assert id_number_problem(make_id(born=TODAY.strftime("%Y%m%d")), today=TODAY) is None


def test_birth_date_checked_before_check_digit():
    assert id_number_problem(wrong_check_digit(make_id(born="19800230")), today=TODAY) == "birth_date"


def test_wrong_check_digit_is_check_digit_problem():
    assert id_number_problem(wrong_check_digit(make_id()), today=TODAY) == "check_digit"
    assert id_number_problem("110105194912310021", today=TODAY) == "check_digit"


def test_today_defaults_to_real_today():
    assert id_number_problem(make_id(born="20991231")) == "birth_date"
    assert id_number_problem(PUBLISHED_EXAMPLE) is None


# --- normalization -------------------------------------------------------


def test_normalize_id_number_strips_all_whitespace_including_ideographic_space():
    assert normalize_id_number(" 110105\u30001949 1231\t002x\n") == PUBLISHED_EXAMPLE


def test_normalize_id_number_converts_full_width_digits_and_x():
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == PUBLISHED_EXAMPLE
    assert normalize_id_number("11010519491231002Ｘ") == PUBLISHED_EXAMPLE


def test_full_width_spaced_number_is_valid():
    assert id_number_problem("１１０１０５　１９４９１２３１　００２Ｘ", today=TODAY) is None


def test_normalize_does_not_turn_other_digit_forms_into_ascii():
    # Circled and Arabic-Indic digits are not what people mean by digits here.
    assert id_number_problem("①10105194912310021", today=TODAY) == "characters"
    assert id_number_problem("\u066110105194912310021", today=TODAY) == "characters"


# --- birth date and gender -----------------------------------------------


def test_birth_date_and_gender_of_published_example():
    assert id_number_birth_date(PUBLISHED_EXAMPLE) == date(1949, 12, 31)
    assert id_number_gender(PUBLISHED_EXAMPLE) == "female"  # 17th digit 2


def test_gender_odd_17th_digit_is_male():
    assert id_number_gender(make_id(sequence="001")) == "male"
    assert id_number_gender(make_id(sequence="018")) == "female"


def test_birth_date_and_gender_accept_unnormalized_input():
    assert id_number_birth_date(" 11010519491231002x ") == date(1949, 12, 31)


@pytest.mark.parametrize("bad", ["", "110105194912310021", "11010519491331002X"])
def test_birth_date_and_gender_reject_invalid_numbers(bad):
    with pytest.raises(ValueError):
        id_number_birth_date(bad)
    with pytest.raises(ValueError):
        id_number_gender(bad)


# --- mobile --------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13800000001",
        "138 0000 0001",
        "138-0000-0001",
        "(138)00000001",
        "+86 138 0000 0001",
        "+86-13800000001",
        "(+86) 13800000001",
        "0086 13800000001",
        "8613800000001",
        "１３８　００００　０００１",
        "＋８６（１３８）００００－０００１",
    ],
)
def test_normalize_mobile_yields_11_digit_number(value):
    assert normalize_mobile(value) == "13800000001"
    assert mobile_problem(value) is None


def test_bare_11_digit_number_starting_86_is_not_shortened():
    assert normalize_mobile("86138000000") == "86138000000"
    assert mobile_problem("86138000000") == "prefix"


@pytest.mark.parametrize("value", ["", "1380000000", "138000000012", "8613800000"])
def test_mobile_wrong_digit_count_is_length_problem(value):
    assert mobile_problem(value) == "length"


@pytest.mark.parametrize("value", ["138O0000001", "138.0000.0001", "+1 13800000001", "tel13800000001"])
def test_mobile_non_digits_are_characters_problem(value):
    assert mobile_problem(value) == "characters"


@pytest.mark.parametrize("value", ["12800000001", "11800000001", "23800000001", "03800000001"])
def test_mobile_not_starting_13_to_19_is_prefix_problem(value):
    assert mobile_problem(value) == "prefix"


@pytest.mark.parametrize("value", ["13000000000", "19999999999", "15912345678"])
def test_mobile_prefixes_13_to_19_are_valid(value):
    assert mobile_problem(value) is None


# --- bank account --------------------------------------------------------


def luhn_ok(number: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(number)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def test_normalize_bank_account_strips_spaces_hyphens_and_full_width():
    assert normalize_bank_account(" 6222 0212-3456\u30007890 ") == "6222021234567890"
    assert normalize_bank_account("６２２２０２１２３４５６７８９０") == "6222021234567890"


@pytest.mark.parametrize("value", ["6222 0212 3456 7890", "123456789012", "1234567890123456789"])
def test_bank_account_of_12_to_19_digits_is_valid(value):
    assert bank_account_problem(value) is None


def test_bank_account_is_not_luhn_checked():
    number = "6222021234567891"
    assert not luhn_ok(number)
    assert bank_account_problem(number) is None


@pytest.mark.parametrize("value", ["", "12345678901", "12345678901234567890"])
def test_bank_account_outside_12_to_19_digits_is_length_problem(value):
    assert bank_account_problem(value) == "length"


@pytest.mark.parametrize("value", ["6222O21234567890", "6222.0212.3456.7890", "①234567890123"])
def test_bank_account_non_digits_are_characters_problem(value):
    assert bank_account_problem(value) == "characters"


# --- masking -------------------------------------------------------------


def test_mask_id_number_shows_first_6_and_last_4():
    assert mask_id_number("110101196610120013") == "110101********0013"
    assert mask_id_number(" 11010519491231002x") == "110105********002X"


def test_mask_mobile_shows_first_3_and_last_4():
    assert mask_mobile("13800000001") == "138****0001"
    assert mask_mobile("+86 138-0000-0001") == "138****0001"


def test_mask_bank_account_shows_only_last_4():
    assert mask_bank_account("6222 0212 3456 7890") == "**** **** **** 7890"
    assert mask_bank_account("123456789012") == "**** **** **** 9012"


@pytest.mark.parametrize("mask", [mask_id_number, mask_mobile, mask_bank_account])
def test_masking_empty_value_returns_empty(mask):
    assert mask("") == ""


@pytest.mark.parametrize(
    "mask, value",
    [
        (mask_id_number, "1101051949"),
        (mask_mobile, "1380001"),
        (mask_bank_account, "62220212"),
    ],
)
def test_masking_short_value_hides_every_character(mask, value):
    assert mask(value) == "*" * len(value)
