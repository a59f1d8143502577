"""The app's pages, one file each; ``context`` holds what they share (language, data, sidebar)."""
