"""The platforms a team already runs (HubSpot, Salesforce): their request signatures, payload shapes and field
mapping onto Handoff's own lead input. Pure functions over bytes and dicts; the web lives in handlers/, the
write-back in bot/delivery/."""
