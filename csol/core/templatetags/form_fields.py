"""`{{ form.status|field }}`: a form field in Bootstrap 5 markup, built in Python.

The filter forms of the list pages are drawn on every page view. Through crispy, each field walks
a dozen nested templates and Django renders a `<select>` one template per `<option>`: about a third
of a list page's time. This filter writes the same markup as crispy's bootstrap5 `field.html` (the
`div_id_…` wrapper, label, `form-select`/`form-control`, `is-invalid`, `aria-invalid`,
`aria-describedby` naming the help text and the errors, the errors, the help text) with plain
string operations. Inputs and single selects are built here; other widgets are drawn by Django
inside the same wrapper; check boxes, radio buttons and files (their own layouts) by crispy.
tests/core/test_form_fields.py compares the markup with crispy's.
"""

from html import escape

from django import forms, template
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()
ASTERISK = '<span class="asteriskField">*</span>'
CRISPY_LAYOUTS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.FileInput)


def _text(value) -> str:
    """HTML-escaped text; safe strings (labels marked safe) pass as they are."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _attrs(attrs: dict) -> str:
    """As django.forms.utils.flatatt: `key="value"` pairs sorted, then the true boolean ones."""
    pairs = sorted((k, v) for k, v in attrs.items() if not isinstance(v, bool) and v is not None)
    flags = sorted(k for k, v in attrs.items() if v is True)
    return "".join(f' {k}="{_text(v)}"' for k, v in pairs) + "".join(f" {k}" for k in flags)


def _options(widget: forms.Select, value) -> str:
    """The `<option>`s (and `<optgroup>`s) as Select.optgroups() lays them out, first match selected."""
    wanted = set(widget.format_value(value))
    found = False
    parts = []
    for group_value, group_label in widget.choices:
        group_value = "" if group_value is None else group_value
        grouped = isinstance(group_label, list | tuple)
        options = group_label if grouped else [(group_value, group_label)]
        rendered = []
        for option_value, label in options:
            option_value = "" if option_value is None else str(option_value)
            selected = not found and option_value in wanted
            found = found or selected
            flag = " selected" if selected else ""
            rendered.append(f'<option value="{_text(option_value)}"{flag}>{_text(label)}</option>')
        if grouped:
            parts.append(f'<optgroup label="{_text(group_value)}">{"".join(rendered)}</optgroup>')
        else:
            parts += rendered
    return "".join(parts)


def _plain_select(widget) -> bool:
    """A single `<select>` drawn the standard way (a widget overriding how is left to Django)."""
    kind = type(widget)
    return (
        isinstance(widget, forms.Select)
        and not widget.allow_multiple_selected
        and kind.get_context is forms.Select.get_context
        and kind.optgroups is forms.Select.optgroups
        and kind.create_option is forms.Select.create_option
        and kind.format_value is forms.Select.format_value
    )


def _plain_input(widget) -> bool:
    """An `<input>` whose context is Input's own (not checkboxes, passwords, files: they change it)."""
    return (
        isinstance(widget, forms.widgets.Input)
        and type(widget).get_context is forms.widgets.Input.get_context
    )


def _control(bound: forms.BoundField, css: str) -> str:
    widget = bound.field.widget
    # crispy's classes: the widget's class name (e.g. "dateinput"), then Bootstrap's.
    classes = " ".join(filter(None, [widget.attrs.get("class", ""), type(widget).__name__.lower(), css]))
    if bound.errors:
        classes += " is-invalid"
    attrs = bound.build_widget_attrs({"class": classes})
    if bound.auto_id and "id" not in widget.attrs:
        attrs["id"] = bound.auto_id
    attrs = widget.build_attrs(widget.attrs, attrs)
    name = _text(bound.html_name)
    if _plain_select(widget):
        return f'<select name="{name}"{_attrs(attrs)}>{_options(widget, bound.value())}</select>'
    if _plain_input(widget):
        value = widget.format_value(bound.value())
        value = "" if value is None else f' value="{_text(value)}"'
        return f'<input type="{_text(widget.input_type)}" name="{name}"{value}{_attrs(attrs)}>'
    return bound.as_widget(attrs=attrs)


# Unbound fields of forms declaring `unbound_html_is_constant = True`, by language: the same text on
# every page view (a list's filter form before any filter is chosen).
_UNBOUND: dict[tuple, str] = {}


@register.filter(name="field")
def field(bound: forms.BoundField) -> str:
    """The field with its label, help text and errors, as crispy's bootstrap5 pack draws it.

    A form may declare `unbound_html_is_constant = True` when its unbound fields never change
    between requests (fixed choices, no initial values given per request): they are then drawn once
    per process and language.
    """
    form = bound.form
    if getattr(form, "unbound_html_is_constant", False) and not form.is_bound and not form.initial:
        key = (type(form), bound.name, form.prefix, form.auto_id, translation.get_language())
        if key not in _UNBOUND:
            _UNBOUND[key] = _field(bound)
        return _UNBOUND[key]
    return _field(bound)


def _field(bound: forms.BoundField) -> str:
    if bound.is_hidden:
        return str(bound)
    if bound.use_fieldset or isinstance(bound.field.widget, CRISPY_LAYOUTS):
        # Check boxes, radio buttons and files have their own layout: crispy draws those.
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(bound)
    auto_id = _text(bound.auto_id)
    required = bound.field.required
    parts = [f'<div id="div_{auto_id}" class="mb-3">']
    if bound.label:
        target = f' for="{_text(bound.id_for_label)}"' if bound.id_for_label else ""
        parts.append(
            f'<label{target} class="form-label{" requiredField" if required else ""}">{_text(bound.label)}'
            f"{ASTERISK if required else ''}</label>"
        )
    parts.append(
        _control(bound, "form-select" if isinstance(bound.field.widget, forms.Select) else "form-control")
    )
    if bound.errors:
        parts.append(f'<div id="{auto_id}_error" class="invalid-feedback">')
        parts += [
            f'<p id="error_{n}_{auto_id}"><strong>{_text(error)}</strong></p>'
            for n, error in enumerate(bound.errors, start=1)
        ]
        parts.append("</div>")
    if bound.help_text:
        # Help text is written by developers and may hold markup, as in crispy and the admin.
        parts.append(f'<div id="{auto_id}_helptext" class="form-text">{bound.help_text}</div>')
    parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above is escaped by _text)
