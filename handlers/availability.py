"""/availability: when a person can come to meetings, in their own words."""

from __future__ import annotations

from bot.availability import (
    CLEAR,
    DAY,
    OVERVIEW,
    Statement,
    Unreadable,
    Window,
    Words,
    hours,
    parse,
)
from bot.context import Context
from bot.errors import UserError
from bot.heatmap import heat_map_png
from bot.i18n import N_, Translator
from bot.messages import Attachment, OutgoingMessage, RichText, bold
from bot.registry import Args, Capability, Command
from bot.services import availability
from bot.services.hours import quiet_hours
from bot.services.hours import reminder_hours as reminder_hours_of

EXAMPLES = N_("Mon-Thu 18-21; Sat 10:00-13:00; weekdays after 17; not 24.12.-6.1.")
MIDNIGHT = N_("midnight")
QUIET = N_("quiet")  # /reminders quiet 22-7


async def show_or_set(ctx: Context, args: Args) -> OutgoingMessage:
    await ctx.ensure_private_chat()  # to be reminded of the meetings they can come to
    today = ctx.now.astimezone(ctx.t.tz).date()
    words = Words(ctx.t.locale, ctx.t)
    if args.raw and words.means(args.raw, OVERVIEW):
        return await overview(ctx)
    if args.raw and words.means(args.raw, CLEAR):
        await availability.clear(ctx.session, ctx.member.id)
        return ctx.text(N_("Your times are cleared."))
    if args.raw:
        try:
            statement = parse(args.raw, words, today)
        except Unreadable as error:
            raise UserError(
                N_("I could not read “{piece}”. Write it like this, for example: {examples}"),
                piece=error.piece[:60],
                examples=ctx.t(EXAMPLES),
            ) from None
        await availability.record(ctx.session, ctx.member.id, statement)
    stored = await availability.state(ctx.session, ctx.member.id, today)
    if not stored.windows and not stored.absences:
        return ctx.text(
            N_("You have not said when you can come yet. For example: /availability {examples}"),
            examples=ctx.t(EXAMPLES),
        )
    return OutgoingMessage(described(stored, ctx.t))


HOURS = range(6, 24)  # the columns of the overview: 6:00 to midnight


async def overview(ctx: Context) -> OutgoingMessage:
    """For a circle's coordinator: how many of its members can come, by weekday and hour."""
    if ctx.circle is None:
        raise UserError(
            N_("The overview is for a circle's chat. A coordinator sets one up with /setup NAME.")
        )
    if not ctx.is_coordinator:
        raise UserError(N_("Sorry, only a coordinator can see the overview."))
    found = await availability.overview(ctx.session, ctx.circle.id)
    t = ctx.t
    text = RichText.of(
        t(
            "When the members of {circle} can come ({stated} of {members} said so): people "
            "per hour, in brackets how many of them are volunteers:",
            circle=ctx.circle.name,
            stated=found.stated,
            members=found.members,
        )
    )
    names = [t.short_weekday(day) for day in range(7)]
    for day in range(7):
        counts = [
            (found.counts.get((day, hour), 0), found.volunteers.get((day, hour), 0))
            for hour in HOURS
        ]
        line = ", ".join(
            f"{times_text(start * 60, end * 60, t)}: {people} ({volunteers})"
            for start, end, (people, volunteers) in _hour_runs(counts)
        )
        text += RichText.of("\n", bold(names[day]), " ", line or t("none"))
    picture = heat_map_png(
        names,
        list(HOURS),
        {(day, hour): count for (day, hour), count in found.counts.items() if hour in HOURS},
    )
    return OutgoingMessage(
        text, attachments=(Attachment("availability.png", "image/png", picture),)
    )


Counts = tuple[int, int]  # people, volunteers


def _hour_runs(counts: list[Counts]) -> list[tuple[int, int, Counts]]:
    """(first hour, end hour, counts) for runs of hours with the same counts, not none."""
    runs: list[tuple[int, int, Counts]] = []
    for offset, count in enumerate(counts):
        hour = HOURS.start + offset
        if count[0] and runs and runs[-1][1] == hour and runs[-1][2] == count:
            runs[-1] = (runs[-1][0], hour + 1, count)
        elif count[0]:
            runs.append((hour, hour + 1, count))
    return runs


def described(stored: Statement, t: Translator) -> RichText:
    text = RichText.of(t("You can come:") if stored.windows else t("No weekly times yet."))
    for days, start, end in _runs(stored.windows):
        text += RichText.of("\n", bold(days_text(days, t)), " ", times_text(start, end, t))
    if stored.absences:
        text += RichText.of("\n", t("Not available:"))
        for absence in stored.absences:
            span = t.date(absence.first)
            if absence.last != absence.first:
                span += f" – {t.date(absence.last)}"
            text += RichText.of("\n", span)
    return text


def _runs(windows: tuple[Window, ...]) -> list[tuple[list[int], int, int]]:
    """Windows with the same hours on several days, as one line per set of hours."""
    runs: dict[tuple[int, int], list[int]] = {}
    for window in windows:
        runs.setdefault((window.start, window.end), []).append(window.weekday)
    lines = [(days, start, end) for (start, end), days in runs.items()]
    return sorted(lines, key=lambda line: (min(line[0]), line[1]))


def days_text(days: list[int], t: Translator) -> str:
    """Mo–Do, Sa: consecutive days as a range."""
    names = [t.short_weekday(day) for day in range(7)]
    groups: list[list[int]] = []
    for day in sorted(set(days)):
        if groups and day == groups[-1][-1] + 1:
            groups[-1].append(day)
        else:
            groups.append([day])
    return ", ".join(
        names[g[0]] if len(g) == 1 else f"{names[g[0]]}–{names[g[-1]]}" for g in groups
    )


def times_text(start: int, end: int, t: Translator) -> str:
    return f"{t.clock(start)}–{t.clock(end) if end < DAY else t(MIDNIGHT)}"


async def reminder_hours(ctx: Context, args: Args) -> OutgoingMessage:
    """When private reminders may come, and when nothing else may."""
    await ctx.ensure_private_chat()
    quiet = bool(args.words) and ctx.t.means(args.words[0], QUIET)
    if quiet:
        found = hours(args.raw[len(args.words[0]) :], across_midnight=True)
        if found is None:
            raise UserError(N_("Please give quiet hours such as 22-7 or 21:30-8:00."))
        ctx.member.quiet_start, ctx.member.quiet_end = found
    elif args.raw:
        found = hours(args.raw)
        if found is None:
            raise UserError(N_("Please give hours such as 18-20 or 17:30-19:00."))
        ctx.member.reminder_start, ctx.member.reminder_end = found
    settings = ctx.runtime.settings.reminders
    start, end = await reminder_hours_of(ctx.session, ctx.member, settings)
    quiet_start, quiet_end = quiet_hours(ctx.member, settings)
    text = ctx.t(
        N_("I send you reminders between {start} and {end}. Change it with /reminders 18-20."),
        start=ctx.t.clock(start),
        end=ctx.t.clock(end) if end < DAY else ctx.t(MIDNIGHT),
    )
    text += "\n" + ctx.t(
        N_(
            "Quiet hours, when nothing else reaches you: {start} to {end}. "
            "Change them with /reminders quiet 22-7."
        ),
        start=ctx.t.clock(quiet_start),
        end=ctx.t.clock(quiet_end),
    )
    return OutgoingMessage(RichText.of(text))


CAPABILITY = Capability(
    "availability",
    commands=(
        Command(
            "availability",
            show_or_set,
            N_("Say when you can come to meetings, or see what you said"),
            usage=N_("[TIMES | {clear} | {overview}]"),
            example=EXAMPLES,
            words={"clear": CLEAR, "overview": OVERVIEW},
            max_args=None,
            aliases={"de": "zeiten", "tr": "zamanlar"},
        ),
        Command(
            "reminders",
            reminder_hours,
            N_("Choose the hours in which reminders reach you"),
            usage=N_("[HOURS | {quiet} HOURS]"),
            words={"quiet": QUIET},
            max_args=None,
            aliases={"de": "erinnerungen", "tr": "hatirlatmalar"},
        ),
    ),
)
