import pytest

import aecourse as ae


def test_an_unanswered_exercise_prints_a_reminder(capsys):
    assert ae.check("Exercise 1", None, 24.5) is None
    assert "not answered yet" in capsys.readouterr().out


def test_a_right_answer_passes_within_tolerance(capsys):
    ae.check("Exercise 1", 24.4, 24.5, rtol=0.01)
    assert "correct" in capsys.readouterr().out
    ae.check("Exercise 2", "decoder", "decoder")
    assert "Exercise 2: correct" in capsys.readouterr().out


def test_a_wrong_answer_raises_with_the_hint():
    with pytest.raises(AssertionError, match="Divide 784 by the code size"):
        ae.check("Exercise 1", 12.0, 24.5, hint="Divide 784 by the code size.")
    with pytest.raises(AssertionError):
        ae.check("Exercise 2", "encoder", "decoder")
