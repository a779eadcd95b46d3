"""Speed work (chapters 06 and 07): cheaper image gradients (``fastgrad``), a peak-memory check (``memory``),
coarse-to-fine optimisation (``coarse_to_fine``) and the time-to-quality comparison (``time_to_quality``)."""
