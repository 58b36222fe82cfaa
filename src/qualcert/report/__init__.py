"""Writers and renderers: they format results, never recompute them."""
