"""The one safe parser for user-given expressions: whitelisted names only, bounded exponents, one-line errors."""
import pytest
import sympy as sp

from derive.errors import ParameterError
from derive.parsing import parse_expression, parse_number, parse_number_list

q = sp.Symbol("q", nonnegative=True)


@pytest.mark.parametrize("text, expected", [
    ("exp(-q**2)", sp.exp(-q ** 2)),
    ("q^2 + 1", q ** 2 + 1),
    ("(1 + q**2)**(-3/2)", (1 + q ** 2) ** sp.Rational(-3, 2)),
    ("sqrt(q)*pi", sp.sqrt(q) * sp.pi),
])
def test_valid_expressions(text, expected):
    assert sp.simplify(parse_expression(text, {"q": q}, "potential") - expected) == 0


@pytest.mark.parametrize("text", ["__import__('os')", "q.__class__", "q[0]", "lambda: 1", "'s'", "1 +", "",
                                  "9**9**9", "q**65", "x + q", "q == 1", "a" * 600])
def test_bad_expressions_are_one_line_parameter_errors(text):
    with pytest.raises(ParameterError) as info:
        parse_expression(text, {"q": q}, "potential")
    assert "\n" not in str(info.value) and "potential" in str(info.value)


def test_numbers_and_lists():
    assert parse_number("pi/2", "omega") == pytest.approx(1.5707963267948966, rel=1e-15)
    assert parse_number("1+2*I", "coupling", complex_ok=True) == 1 + 2j
    assert parse_number_list("0, 1, sqrt(4)", "energies") == (0.0, 1.0, 2.0)
    for bad in ("1+I", "nan", "zoo", "1/0", "log(0)"):
        with pytest.raises(ParameterError):
            parse_number(bad, "omega")
    with pytest.raises(ParameterError):
        parse_number_list("0,,1", "energies")
