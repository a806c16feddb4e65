"""Figures and the browser explorer.

``figures``: matplotlib figures of enumerations, predictions and posteriors (PNG, SVG, GIF);
``explorer``: one self-contained HTML page to step through a prediction or the demo.
"""

from toyinduction.plots.figures import (animate_posterior, finish_figure, plot_log_loss, plot_observed_probability,  # noqa: F401
                                        plot_forecast, plot_posterior, plot_prior_by_length, save,
                                        trailing_mean)

__all__ = ["animate_posterior", "finish_figure", "plot_forecast", "plot_log_loss", "plot_observed_probability",
           "plot_posterior", "plot_prior_by_length", "save", "trailing_mean"]
