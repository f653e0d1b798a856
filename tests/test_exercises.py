import json
import re

import pytest
import torch
import torch.nn.functional as F

import aecourse as ae
from aecourse.exercises import CODING
from aecourse.solutions import SOLUTIONS
from aecourse.tools.execute import course_notebooks


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


# ---------------------------------------------------------------- coding exercises


def _plain_mean(batch_losses, batch_sizes):
    return sum(batch_losses) / len(batch_losses)


def _forgets_the_mean(x, mean, components, k):
    return x @ components[:k].T @ components[:k]


def _forgets_the_biases(latent_dim, hidden):
    widths = [784, *hidden, latent_dim]
    return 2 * sum(a * b for a, b in zip(widths, widths[1:]))


def _nearest_neighbour(train_codes, train_labels, queries):
    return train_labels[torch.cdist(queries, train_codes).argmin(dim=1)]


def _ignores_dilation(n, k, s=1, p=0, d=1):
    return (n + 2 * p - k) // s + 1


def _noisy_target(model, x, noise, generator):
    noisy = ae.add_noise(x, noise, seed=None, generator=generator)
    return F.mse_loss(model(noisy), noisy)


def _forgets_the_relu(w, b, x):
    return (w**2).sum().expand(x.shape[0])  # every unit counted, active or not


def _averages_the_coordinates(mu, logvar):
    return (0.5 * (mu**2 + logvar.exp() - 1 - logvar)).mean(dim=1)


def _ignores_ties(normal, anomalous):
    return (anomalous[:, None] > normal[None, :]).double().mean().item()


WRONG = {
    "01.4": _plain_mean,
    "02.4": _forgets_the_mean,
    "03.4": _forgets_the_biases,
    "04.4": _nearest_neighbour,
    "05.5": _ignores_dilation,
    "06.5": _noisy_target,
    "07.4": _forgets_the_relu,
    "08.4": _averages_the_coordinates,
    "09.4": _ignores_ties,
}


def test_every_coding_exercise_has_a_worked_solution_of_its_name():
    assert CODING.keys() == SOLUTIONS.keys() == WRONG.keys()
    assert all(SOLUTIONS[ex].__name__ == CODING[ex].function for ex in CODING)


@pytest.mark.parametrize("exercise", sorted(CODING))
def test_the_check_accepts_the_worked_solution_and_keeps_the_random_state(exercise, capsys):
    state = torch.get_rng_state()
    ae.check_function(exercise, SOLUTIONS[exercise])
    assert capsys.readouterr().out.endswith("inputs.\n") and torch.equal(
        torch.get_rng_state(), state
    )


@pytest.mark.parametrize("exercise", sorted(CODING))
def test_the_check_rejects_a_typical_mistake(exercise):
    with pytest.raises(
        AssertionError, match=f"exercise {exercise}, {CODING[exercise].function}.*returned"
    ):
        ae.check_function(exercise, WRONG[exercise])


def _not_implemented(*args):
    raise NotImplementedError


@pytest.mark.parametrize("placeholder", [None, lambda *args: None, _not_implemented])
def test_an_unwritten_function_gets_a_reminder_not_a_traceback(placeholder, capsys):
    ae.check_function("03.4", placeholder)
    assert "not answered yet" in capsys.readouterr().out


def test_a_result_of_the_wrong_kind_is_a_wrong_answer():
    with pytest.raises(AssertionError, match="returned 'fourteen'"):
        ae.check_function("05.5", lambda *args: "fourteen")


def test_solutions_are_shown_on_request_only_for_known_exercises(capsys):
    ae.show_solution("01.4")
    assert capsys.readouterr().out.startswith("def epoch_average(")
    with pytest.raises(ValueError, match="no worked solution"):
        ae.show_solution("07.1")
    with pytest.raises(ValueError, match="no coding exercise"):
        ae.check_function("07.1", None)


@pytest.mark.parametrize("path", course_notebooks(), ids=lambda p: p.name)
def test_each_notebook_has_a_coding_exercise_with_a_placeholder_body(path):
    cells = [("".join(c["source"]), c) for c in json.loads(path.read_text())["cells"]]
    calls = [(src, c) for src, c in cells if "ae.check_function(" in src]
    assert len(calls) == 1, f"{path.name}: expected one coding exercise, found {len(calls)}"
    src, cell = calls[0]
    exercise, fn = re.search(r'ae\.check_function\("(\d\d\.\d+)", (\w+)\)', src).groups()
    assert exercise.startswith(path.name[:2]) and fn == CODING[exercise].function
    assert (
        f"def {fn}(" in src and "return None" in src
    )  # the student writes the body in this very cell
    assert f'ae.show_solution("{exercise}")' in "".join(
        s for s, _ in cells
    )  # the prose says how to see the solution
    assert "show_solution(" not in src  # ... but no cell shows it by default
