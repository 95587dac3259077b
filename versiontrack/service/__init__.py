"""The use cases behind the CLI and the web app; the only way the edges reach storage.

Each function opens one session (one unit of work), calls the store and the pure stages, and
returns plain data for the edge to format. Nothing here prints, parses arguments or renders
HTML.

    database   open the database (``Database``, ``open_database``), find an article by id or URL
    commands   what changes state: ``check``, ``add_article``, ``reextract``, the schema
    models     the one set of read models (``ArticleItem``, ``VersionItem``…), each with ``to_json``
    reads      articles, history, one version, one diff: what the CLI lists and prints
    feeds      the change feeds: a frozen ``FeedQuery``, its validators (ETag) and its XML
    pages      the web pages' view objects, and the health probe
"""
