"""The app's pages, one file each, and what they share.

Shared by every page:

- :mod:`app_pages.context`: the language, the dataset in use (cached, keyed on its content), the sidebar,
  the map assets and the handling of clicks and drawings on a page's map.
- :mod:`app_pages.ui`: how a page looks and the blocks every page would otherwise repeat: the map view of an
  extent, number tables in the user's convention, a page's error (:func:`app_pages.ui.halt`), the workspace's
  fault, the demonstration-data caption and a logged download button.
- :mod:`app_pages.text`: text from data shown literally, never as markup.

One structure for every page (``app.py``'s navigation and the tests open a page by its file's path):

1. the page's words table (``TABLE``, :class:`gis.core.text.Text` by key) and its session keys;
2. the cached computations (``st.cache_data``/``st.cache_resource``, a dataset hashed with
   :data:`app_pages.context.DATASET_HASH`) and the builders of what the page shows (texts, tables, cards,
   charts, export choices), none of which lays anything out by itself;
3. the callbacks of the page's buttons and its map (what a click changes in the session);
4. the layout, top to bottom as the user reads it.

A page too long for one file (over about 450 lines) keeps 3 and 4 in its file and moves 1 and 2 to a
sibling ``<page>_parts.py`` (``fields_parts``, ``targets_parts``, ``recovery_parts``), imported by that page
only.
"""
