"""What is waiting for someone: my work, worklists, the inbox and its notifications, reviews due."""
