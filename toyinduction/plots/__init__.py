"""Figures and the browser explorer.

``figures``: matplotlib figures of enumerations, predictions and posteriors (PNG, SVG, GIF);
``explorer``: one self-contained HTML page to step through a prediction or the demo;
``palette``: the colours both use (one per class, grouped by family).
"""

from toyinduction.plots.figures import (animate_posterior, caption, decorate, finish_figure,  # noqa: F401
                                        log10_odds, log_loss_figure, observed_probability_figure, plot_forecast,
                                        plot_log_loss, plot_observed_probability, plot_posterior, plot_premises,
                                        plot_prior_by_length, posterior_figure, posterior_layers,
                                        posterior_log_odds_figure, premises_figure, prior_by_length_figure, save,
                                        spans_orders, trailing_mean)

__all__ = ["animate_posterior", "caption", "decorate", "finish_figure", "log10_odds", "log_loss_figure",
           "observed_probability_figure", "plot_forecast", "plot_log_loss", "plot_observed_probability",
           "plot_posterior", "plot_premises", "plot_prior_by_length", "posterior_figure", "posterior_layers",
           "posterior_log_odds_figure", "premises_figure", "prior_by_length_figure", "save", "spans_orders",
           "trailing_mean"]
