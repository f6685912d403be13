"""Tests that start real processes: crawls, local servers, browsers, Redis, an S3 server."""
