"""The parts of the contact form, one group box each, as DOMAIN.md lists what a review records.

Each section owns its inputs (``FormField``), checks them as the user types,
and reads them back as plain values for the ``ContactEntry``. Which sections
a review shows is the dialog's business (``healthvisitor.services.contacts``
says which findings belong to which review). Every question that may go
unasked starts on "Not asked", so silence is never saved as "no".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from healthvisitor.domain.enums import (
    DevelopmentDomain,
    FeedingStatus,
    MeasurementKind,
    ScreeningZone,
)
from healthvisitor.domain.validation import check_measurement_value
from healthvisitor.errors import ValidationError
from healthvisitor.services.contacts import (
    ASQ3_DOMAIN_RANGE,
    ASQ_SE2_RANGE,
    CARBON_MONOXIDE_RANGE_PPM,
    GAD2_RANGE,
    DevelopmentEntry,
    MeasurementEntry,
)
from healthvisitor.ui.form_fields import (
    NOT_ASKED,
    ChoiceCombo,
    FieldMessage,
    FormField,
    NumberEdit,
    TriStateCombo,
    parse_number,
    parse_whole_number,
)

#: Display format of every date input (the caseload's dd Mmm yyyy).
DATE_FORMAT = "dd MMM yyyy"
#: GAD-2: 3 or more warrants further assessment (NICE CG192).
GAD2_FURTHER_ASSESSMENT = 3
#: NICE NG209: refer to stop-smoking support with a CO reading of 4 ppm or more.
CO_REFERRAL_PPM = 4.0
#: Example values shown in hints and messages, per measurement.
EXAMPLES = {
    MeasurementKind.WEIGHT: "4.25",
    MeasurementKind.LENGTH: "55.5",
    MeasurementKind.HEIGHT: "88.0",
    MeasurementKind.HEAD_CIRCUMFERENCE: "38.5",
}


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(DATE_FORMAT)
    edit.setMinimumWidth(150)
    return edit


def watch(widget: QWidget, react: Callable[[], object]) -> None:
    """Call ``react`` whenever the user changes ``widget``, whatever kind of input it is."""
    if isinstance(widget, QLineEdit):
        widget.textChanged.connect(lambda _text: react())
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(lambda _index: react())
    elif isinstance(widget, QDateEdit):
        widget.dateChanged.connect(lambda _date: react())
    elif isinstance(widget, QCheckBox):
        widget.toggled.connect(lambda _on: react())
    elif isinstance(widget, QPlainTextEdit):
        widget.textChanged.connect(react)
    else:
        raise TypeError(f"No change signal known for {type(widget).__name__}")


def value_of(widget: QWidget) -> object:
    """What a widget holds, for "has anything been typed?" comparisons."""
    if isinstance(widget, ChoiceCombo):
        return widget.currentIndex()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    if isinstance(widget, QDateEdit):
        return widget.date().toJulianDay()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    raise TypeError(f"No value known for {type(widget).__name__}")


def measurement_problem(kind: MeasurementKind, text: str) -> str | None:
    """What is wrong with a typed measurement (hard limits only), or None."""
    try:
        value = parse_number(text)
    except ValueError:
        return f"Enter the {kind.label.lower()} as a number in {kind.unit}, e.g. {EXAMPLES[kind]}."
    if value is None:
        return None
    try:
        check_measurement_value(kind, value)
    except ValidationError as error:
        return " ".join(problem.message for problem in error.problems)
    return None


def range_problem(text: str, low: float, high: float, what: str, *, whole: bool) -> str | None:
    try:
        value = parse_whole_number(text) if whole else parse_number(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        return f"Enter {what} as {kind} from {low:g} to {high:g}."
    if value is not None and not low <= value <= high:
        return f"{what[0].upper()}{what[1:]} runs from {low:g} to {high:g}; {value:g} is outside."
    return None


def score_check(
    edit: QLineEdit, domain: DevelopmentDomain, low: int, high: int
) -> Callable[[], str | None]:
    """The as-you-type check of one ASQ score."""
    return lambda: range_problem(edit.text(), low, high, f"the {domain.label} score", whole=True)


class FormSection(QGroupBox):
    """A group box of labelled fields, with a line at the top for the group's own problems."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.setAccessibleName(title)
        self.fields: dict[str, FormField] = {}
        self.message = FieldMessage()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 16, 12, 12)
        layout.addWidget(self.message)
        layout.addLayout(self.form)

    def add(self, name: str, field: FormField) -> FormField:
        self.fields[name] = field
        self.form.addRow(field.label, field.box)
        watch(field.widget, field.run_check)
        return field

    def note(self, text: str = "") -> QLabel:
        """A line of guidance under the fields (e.g. what a score means)."""
        label = QLabel(text)
        label.setObjectName("formNote")
        label.setWordWrap(True)
        self.form.addRow(label)
        return label

    def inputs(self) -> list[QWidget]:
        """Every input in the section, in tab order."""
        return [widget for field in self.fields.values() for widget in field.inputs()]


class GrowthSection(FormSection):
    """Weight, length (under 2) or height (from 2), and head circumference: each optional."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Growth", parent)
        self.length_kind = MeasurementKind.LENGTH
        self.weight = NumberEdit(f"kg, e.g. {EXAMPLES[MeasurementKind.WEIGHT]}")
        self.length = NumberEdit(f"cm, e.g. {EXAMPLES[MeasurementKind.LENGTH]}")
        self.head = NumberEdit(f"cm, e.g. {EXAMPLES[MeasurementKind.HEAD_CIRCUMFERENCE]}")
        self.add(
            MeasurementKind.WEIGHT.value,
            FormField(
                "&Weight (kg)",
                self.weight,
                check=lambda: measurement_problem(MeasurementKind.WEIGHT, self.weight.text()),
                description="Weight in kilograms; leave empty if not weighed",
            ),
        )
        self.length_field = self.add(
            MeasurementKind.LENGTH.value,
            FormField(
                "&Length (cm)",
                self.length,
                check=lambda: measurement_problem(self.length_kind, self.length.text()),
            ),
        )
        self.add(
            MeasurementKind.HEAD_CIRCUMFERENCE.value,
            FormField(
                "&Head circumference (cm)",
                self.head,
                check=lambda: measurement_problem(
                    MeasurementKind.HEAD_CIRCUMFERENCE, self.head.text()
                ),
                description="Head circumference (OFC) in centimetres; leave empty if not measured",
            ),
        )
        self.note(
            "Leave a measurement empty if it was not taken. Centiles are worked out "
            "when you save (UK-WHO, RCPCH)."
        )
        self.set_length_kind(MeasurementKind.LENGTH)

    def set_length_kind(self, kind: MeasurementKind) -> None:
        """Length lying down under 2 years, height standing from 2 (UK-WHO charts)."""
        self.length_kind = kind
        if kind is MeasurementKind.LENGTH:
            text, words = "&Length (cm)", "Length lying down, in centimetres (under 2 years)"
        else:
            text, words = "Hei&ght (cm)", "Height standing, in centimetres (from 2 years)"
        self.length_field.label.setText(text)
        self.length.setAccessibleName(text.replace("&", ""))
        self.length_field.set_description(words)
        self.length_field.run_check()
        self.length.setPlaceholderText(f"cm, e.g. {EXAMPLES[kind]}")

    def measurements(self) -> tuple[MeasurementEntry, ...]:
        """The measurements typed (call only when every field checks out)."""
        found = []
        for kind, edit in (
            (MeasurementKind.WEIGHT, self.weight),
            (self.length_kind, self.length),
            (MeasurementKind.HEAD_CIRCUMFERENCE, self.head),
        ):
            value = parse_number(edit.text())
            if value is not None:
                found.append(MeasurementEntry(kind, value))
        return tuple(found)


class FeedingSection(FormSection):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Feeding", parent)
        self.feeding = ChoiceCombo([(s.label, s) for s in FeedingStatus], none_text=NOT_ASKED)
        self.add(
            "feeding",
            FormField(
                "&Feeding",
                self.feeding,
                description="Infant feeding now: totally, partially or not breastfed",
            ),
        )

    def value(self) -> FeedingStatus | None:
        value = self.feeding.value()
        return value if isinstance(value, FeedingStatus) else None


class MoodSection(FormSection):
    """The Whooley questions and GAD-2 (NICE CG192), asked of the mother."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Maternal mood (Whooley and GAD-2)", parent)
        self.low_mood = TriStateCombo()
        self.loss_of_interest = TriStateCombo()
        low, high = GAD2_RANGE
        self.gad2 = ChoiceCombo([(str(n), n) for n in range(low, high + 1)], none_text=NOT_ASKED)
        self.add(
            "whooley_low_mood",
            FormField(
                "Whooley: feeling &down?",
                self.low_mood,
                description="During the past month, have you often been bothered by feeling "
                "down, depressed or hopeless?",
            ),
        )
        self.add(
            "whooley_loss_of_interest",
            FormField(
                "Whooley: little &interest?",
                self.loss_of_interest,
                description="During the past month, have you often been bothered by having "
                "little interest or pleasure in doing things?",
            ),
        )
        self.add(
            "gad2_score",
            FormField(
                "GAD-&2 score (0-6)",
                self.gad2,
                description="Generalised Anxiety Disorder 2-item score, 0 to 6",
            ),
        )
        self.reading = self.note()
        for combo in (self.low_mood, self.loss_of_interest, self.gad2):
            combo.currentIndexChanged.connect(lambda _index: self._explain())
        self._explain()

    def _explain(self) -> None:
        parts = []
        answers = (self.low_mood.value(), self.loss_of_interest.value())
        if True in answers:
            parts.append(
                "Whooley positive (a yes to either question): consider further assessment."
            )
        elif answers == (False, False):
            parts.append("Whooley negative.")
        gad2 = self.gad2.value()
        if isinstance(gad2, int) and gad2 >= GAD2_FURTHER_ASSESSMENT:
            parts.append(f"GAD-2 of {GAD2_FURTHER_ASSESSMENT} or more: further assessment.")
        self.reading.setText(" ".join(parts) or "Leave a question on “Not asked” if not asked.")


class SmokingSection(FormSection):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Smoking", parent)
        self.mother = TriStateCombo()
        self.household = TriStateCombo()
        self.carbon_monoxide = NumberEdit("ppm, optional")
        low, high = CARBON_MONOXIDE_RANGE_PPM
        self.add("mother_smokes", FormField("&Mother smokes", self.mother))
        self.add(
            "household_smokes",
            FormField("&Household member smokes", self.household),
        )
        self.add(
            "carbon_monoxide_ppm",
            FormField(
                "&CO reading (ppm)",
                self.carbon_monoxide,
                check=lambda: range_problem(
                    self.carbon_monoxide.text(), low, high, "a CO reading", whole=False
                ),
                description="Exhaled carbon monoxide in parts per million; optional",
            ),
        )
        self.reading = self.note()
        self.carbon_monoxide.textChanged.connect(lambda _text: self._explain())
        self._explain()

    def carbon_monoxide_ppm(self) -> float | None:
        return parse_number(self.carbon_monoxide.text())

    def _explain(self) -> None:
        try:
            ppm = self.carbon_monoxide_ppm()
        except ValueError:
            ppm = None
        high = ppm is not None and ppm >= CO_REFERRAL_PPM
        self.reading.setText(
            f"{CO_REFERRAL_PPM:g} ppm or more: offer referral to stop-smoking support (NICE NG209)."
            if high
            else ""
        )
        self.reading.setVisible(high)


#: What each zone means, by questionnaire: ASQ:SE-2 runs the other way from
#: ASQ-3, a high score being the concern (hazard H14: every screen says which).
_ZONE_MEANING = {
    ScreeningZone.ABOVE_CUTOFF: ("on track", "concern"),
    ScreeningZone.MONITORING: ("", ""),
    ScreeningZone.BELOW_CUTOFF: ("concern", "no concern"),
}


def zone_text(domain: DevelopmentDomain, zone: ScreeningZone) -> str:
    """``"Below cut-off (concern)"`` for ASQ-3; ``"Above cut-off (concern)"`` for ASQ:SE-2."""
    asq3, se2 = _ZONE_MEANING[zone]
    meaning = se2 if domain is DevelopmentDomain.SOCIAL_EMOTIONAL else asq3
    return f"{zone.label} ({meaning})" if meaning else zone.label


#: The five ASQ-3 domains, in the questionnaire's order.
ASQ3_DOMAINS = tuple(d for d in DevelopmentDomain if d is not DevelopmentDomain.SOCIAL_EMOTIONAL)


class DevelopmentSection(FormSection):
    """ASQ-3's five domain scores and ASQ:SE-2, each with the zone read from the cut-offs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Development (ASQ-3 and ASQ:SE-2)", parent)
        self.scores: dict[DevelopmentDomain, QLineEdit] = {}
        self.zones: dict[DevelopmentDomain, ChoiceCombo] = {}
        for number, domain in enumerate(DevelopmentDomain, start=1):
            low, high = (
                ASQ_SE2_RANGE if domain is DevelopmentDomain.SOCIAL_EMOTIONAL else ASQ3_DOMAIN_RANGE
            )
            score = QLineEdit()
            score.setPlaceholderText(f"{low}-{high}")
            score.setMaximumWidth(90)
            zone = ChoiceCombo(
                [(zone_text(domain, z), z) for z in ScreeningZone], none_text="Zone not read"
            )
            zone.setAccessibleName(f"{domain.label} zone")
            zone.setMinimumWidth(230)
            self.scores[domain], self.zones[domain] = score, zone
            field = FormField(
                f"&{number} {domain.label}",
                score,
                beside=[zone],
                check=score_check(score, domain, low, high),
                description=f"{domain.label} score, {low} to {high}",
            )
            field.widget.setAccessibleName(f"{domain.label} score")
            self.add(domain.value, field)
            zone.currentIndexChanged.connect(lambda _index, f=field: f.run_check())
        self.note(
            "Enter a score and the zone you read from the publisher's cut-off table. "
            "ASQ-3: below the cut-off is the concern. ASQ:SE-2 (optional) runs the other "
            "way: above the cut-off is the concern. Leave a domain empty if not scored."
        )

    def pairing_problems(self) -> dict[str, str]:
        """A score without its zone, or a zone without its score (checked on Save)."""
        problems = {}
        for domain, score in self.scores.items():
            typed, zone = score.text().strip(), self.zones[domain].value()
            if typed and zone is None:
                problems[domain.value] = (
                    f"Choose the {domain.label} zone read from the cut-off table."
                )
            elif zone is not None and not typed:
                problems[domain.value] = f"Enter the {domain.label} score for this zone."
        return problems

    def entries(self) -> tuple[DevelopmentEntry, ...]:
        found = []
        for domain, edit in self.scores.items():
            score, zone = parse_whole_number(edit.text()), self.zones[domain].value()
            if score is not None and isinstance(zone, ScreeningZone):
                found.append(DevelopmentEntry(domain, score, zone))
        return tuple(found)


class OptionalDate:
    """A date that may not be set: a check box says whether it is, the date edit what it is."""

    def __init__(self, text: str) -> None:
        self.planned = QCheckBox(text)
        self.date = date_edit()
        self.date.setEnabled(False)
        self.planned.toggled.connect(self.date.setEnabled)

    def value(self) -> dt.date | None:
        return from_qdate(self.date.date()) if self.planned.isChecked() else None

    def set_value(self, day: dt.date | None) -> None:
        if day is not None:
            self.date.setDate(to_qdate(day))
        self.planned.setChecked(day is not None)


class FollowUpSection(FormSection):
    """The next planned contact (a rebooking when the child was not brought) and notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Next contact and notes", parent)
        self.next_contact = OptionalDate("Planned for")
        self.next_contact.date.setAccessibleName("Next planned contact date")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)  # Tab leaves the notes, as in every other field
        self.notes.setPlaceholderText("What was discussed, concerns, plans agreed with the family")
        self.notes.setMinimumHeight(90)
        field = FormField(
            "&Next planned contact",
            self.next_contact.planned,
            beside=[self.next_contact.date],
            description="Tick to plan the next contact, then choose its date",
        )
        self.next_field = self.add("next_planned_contact", field)
        watch(self.next_contact.date, field.run_check)
        self.add("notes", FormField("N&otes", self.notes))
