"""versiontrack's benchmark suite: ``python -m bench`` from the repository root.

It builds a corpus of news pages (80–150 KB each, five differently built sites), serves it from
a real HTTP server on loopback (nginx when installed, else a Python fallback in its own
process), runs the real pipeline over it pass by pass and reports speed, memory, storage and
correctness against the corpus's truth, plus micro-benchmarks of the stages.

Modules: ``measure`` (CPU, RSS, medians), ``chrome`` (the heavy page chrome around the
templates), ``corpus`` (articles, steps, edits and their truth; writing a step to disk),
``server`` (nginx or the fallback), ``passes`` (the end-to-end passes, run in a child process),
``micro`` (extraction, sentence diff, storage), ``feed`` (the web app's feed endpoint),
``claim`` (the due-check claim query), ``peers`` (urlwatch), ``report`` (table and JSON),
``scenarios`` (what runs for each name), ``__main__`` (the command line).
"""
