"""Tests that run the action as a Docker container."""
