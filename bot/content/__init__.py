"""The content library (issue 16): marketing's assets, shared to leads, searched by sales; content requests on
marketing's own clock; the marketing calendar. Domain code: it queues what Slack must hear, never sends it."""
