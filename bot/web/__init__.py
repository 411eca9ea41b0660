"""Adapters to the web: fetching a page a person sent a link to, safely."""
