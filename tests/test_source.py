import IPython
import IPython.display

import aecourse as ae
from aecourse import models


def test_outside_ipython_the_whole_source_is_printed(capsys):
    assert ae.show_source(models.mlp_encoder) is None
    out = capsys.readouterr().out
    assert out.startswith("def mlp_encoder(") and out.rstrip().endswith(
        "return nn.Sequential(*layers)"
    )


def test_in_jupyter_it_displays_a_python_block_with_a_plain_text_fallback(monkeypatch):
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda data, raw: shown.append((data, raw)))
    assert ae.show_source(ae.Autoencoder.encode) is None
    ((data, raw),) = shown
    assert raw and data["text/markdown"] == f"```python\n{data['text/plain']}```"
    assert data["text/plain"].startswith("def encode(self")  # a method's source, dedented


def test_a_class_is_shown_whole(capsys):
    ae.show_source(ae.LinearAutoencoder)
    out = capsys.readouterr().out
    assert out.startswith("class LinearAutoencoder(") and "self.decoder = " in out
