"""Session-state keys of the app, in one place so pages and tests agree on them.

Two kinds: state the app owns (drafts, import results; kept for the whole session) and widget
keys (Streamlit drops a widget's value when the widget is not rendered, so pages copy the value
into app-owned state in callbacks and write it back before rendering).
"""

from __future__ import annotations

#: dict[str, EditorState]: every open draft by draft id.
DRAFTS = "editor.drafts"
#: The draft id the editor shows when the URL names no task.
CURRENT = "editor.current"
#: A stale-save conflict message for the current draft, until resolved.
CONFLICT = "editor.conflict"
#: One-shot message shown after a save, reload or preset application.
FLASH = "app.flash"
#: int: how many runs this session has had (the first one shows the address the browser opened).
RUNS = "app.runs"

#: The editor tab last open ("Advanced config" or "Expert mode"): it opens again there.
EDITOR_TAB = "editor.last_tab"

RUNTIME = "editor.runtime"
VERSION = "editor.version"
SAVE_AS_NAME = "editor.save_as_name"
ADD_FLAG = "editor.add_flag"
ADD_VALUES = "editor.add_values"

#: ImportSession of the aiconfigurator import page.
IMPORT = "import.session"
IMPORT_RUNTIME = "import.runtime"
IMPORT_UPLOAD = "import.upload"

#: Presets page: the preset being edited (an EditorState) and its original name.
PRESET_DRAFT = "presets.draft"

#: Compare page: candidates picked from the import page, results upload.
COMPARE_TASKS = "compare.tasks"
#: (name, TaskConfig) pairs picked on the import page for the compare page.
COMPARE_CANDIDATES = "compare.candidates"

NEW_DRAFT = "new"


def draft_id(task_name: str | None) -> str:
    """The draft id of a stored task, or of the new-task draft."""
    return f"task:{task_name}" if task_name else NEW_DRAFT


def field(path: str, scope: str = "editor") -> str:
    """The widget key of one form field."""
    return f"{scope}.field:{path}"


def section(scope: str, group: str) -> str:
    """The key of a form section's expander (True while it is open)."""
    return f"{scope}.section:{group}"


def popover(scope: str, name: str, generation: int = 0) -> str:
    """The key of a popover (True while it is open); a popover the app closed is drawn again
    as a new widget, its next generation (views.parts.widgets.close_popover says why)."""
    base = f"{scope}.popover:{name}"
    return f"{base}#{generation}" if generation else base


def popover_generation(scope: str, name: str) -> str:
    """The key of how many times the app closed this popover."""
    return f"{scope}.popover:{name}.closed"


def expert_table(scope: str, draft: str, revision: int) -> str:
    """The data editor's key: a new key per revision restarts it from the regenerated flags."""
    return f"{scope}.expert:{draft}:{revision}"
