"""The write side: poll feeds, check articles, record what changed, run passes.

A check enters ``article`` (fetch → read, no database), then ``record`` opens one transaction,
asks the pure ``verdict`` what happened and writes through ``store``. ``context`` holds the
runtime and the unit of work, ``poll`` the feeds, ``reextract`` re-reading kept pages outside
any check's transaction, ``passes`` claiming and running a pass. Import from the modules.
"""
