"""What the book's pages need besides the method: quick and full modes (``modes``), the chapters' set-up cell
(``notebook``), figures (``display``) and the run cache that computes a long run once (``runcache``)."""
