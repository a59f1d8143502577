"""The map's layers: one module per layer; ``render`` is the one place that knows folium."""
