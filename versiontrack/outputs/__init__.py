"""Push outputs: webhooks, Apprise, Mastodon and Bluesky, fed by a durable outbox.

``config`` reads ``[[outputs]]``; ``enqueue`` writes outbox rows in the transaction that stores
a change (and ``enqueue_notice`` for source-health messages); ``payload`` turns a change into
what each output sends; ``senders`` talk to the peers; ``deliver`` drains the outbox with
leases, backoff and per-output rate limits; ``status`` reports backlogs and last errors.
"""
