"""Speed work (chapters 06, 07 and 11): cheaper image gradients (``fastgrad``), a peak-memory check (``memory``),
the network's precision (``precision``), TensorFloat-32 (``tf32``), coarse-to-fine optimisation
(``coarse_to_fine``), Adam's schedule compressed (``schedule``) and the time-to-quality comparison
(``time_to_quality``)."""
