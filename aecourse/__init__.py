"""aecourse: the helper package of a hands-on course on autoencoders (see README.md).

The notebooks in notebooks/ teach the ideas; this package holds the plumbing they share:
data, models, training, PCA, plots and a live explorer of 2-D codes.

Importing it flushes denormal floats to zero (torch.set_flush_denormal), before PyTorch starts
its worker threads, which inherit the setting: late in training, numbers below about 1e-38 made
notebook 04's epochs 1.4 times slower. torch.set_flush_denormal(False) turns it off in the
thread that calls it.
"""

import torch as _torch

from .anomaly import (
    auc,
    nearest_distance,
    plot_roc,
    plot_score_histograms,
    rates_at,
    roc_curve,
    split_scores,
    threshold_at_fpr,
)
from .data import (
    FASHION_MNIST_FILES,
    MNIST_FILES,
    Batches,
    DataCheck,
    DatasetNotFoundError,
    LabelledImages,
    MNISTNotFoundError,
    add_noise,
    check_data,
    data_root,
    load_fashion_mnist,
    load_mnist,
    project_root,
    verify_fashion_mnist,
    verify_mnist,
)
from .exercises import check, check_function, show_solution
from .explore import LatentExplorer, explore_latent
from .generation import far_share, knn_labels, label_shares, total_variation
from .models import Autoencoder, ConvAutoencoder, LinearAutoencoder, MLPAutoencoder, TrainingLoss
from .pca import PCA, principal_angles
from .plots import (
    lattice_codes,
    manifold_values,
    plot_decoded,
    plot_history,
    plot_image_rows,
    plot_images,
    plot_latent,
    plot_lattice,
    plot_loss_parts,
    plot_manifold,
    plot_reconstructions,
    plot_samples,
    tile_centres,
)
from .source import show_source
from .training import (
    History,
    checkpoint_dir,
    checkpoint_path,
    choose_device,
    evaluate,
    fit,
    load_checkpoint,
    load_weights,
    reconstruct,
    save_checkpoint,
    seed_everything,
)

# Before any computation, so that every worker thread PyTorch starts later flushes too.
_torch.set_flush_denormal(True)

__version__ = "0.1.0"

__all__ = [
    "auc",
    "nearest_distance",
    "plot_roc",
    "plot_score_histograms",
    "rates_at",
    "roc_curve",
    "split_scores",
    "threshold_at_fpr",
    "FASHION_MNIST_FILES",
    "MNIST_FILES",
    "Batches",
    "DataCheck",
    "DatasetNotFoundError",
    "LabelledImages",
    "MNISTNotFoundError",
    "add_noise",
    "check_data",
    "data_root",
    "load_fashion_mnist",
    "load_mnist",
    "project_root",
    "verify_fashion_mnist",
    "verify_mnist",
    "check",
    "check_function",
    "show_solution",
    "far_share",
    "knn_labels",
    "label_shares",
    "total_variation",
    "LatentExplorer",
    "explore_latent",
    "Autoencoder",
    "ConvAutoencoder",
    "LinearAutoencoder",
    "MLPAutoencoder",
    "TrainingLoss",
    "PCA",
    "principal_angles",
    "lattice_codes",
    "manifold_values",
    "plot_decoded",
    "plot_history",
    "plot_image_rows",
    "plot_images",
    "plot_lattice",
    "plot_latent",
    "plot_loss_parts",
    "plot_manifold",
    "plot_reconstructions",
    "plot_samples",
    "tile_centres",
    "History",
    "checkpoint_dir",
    "checkpoint_path",
    "choose_device",
    "evaluate",
    "fit",
    "load_checkpoint",
    "load_weights",
    "reconstruct",
    "save_checkpoint",
    "seed_everything",
    "show_source",
]
