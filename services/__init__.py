"""newswire's apps. Each subpackage is one app with its own entry point; no app imports another."""
