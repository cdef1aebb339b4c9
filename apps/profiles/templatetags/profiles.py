import hashlib

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.defaulttags import token_kwargs
from django.template.exceptions import TemplateSyntaxError
from django.utils.safestring import SafeString, mark_safe

from apps.core.uploads import moderated

from .. import selectors

register = template.Library()

AVATAR_COLOURS = 12
AVATAR_PIXELS = {"sm": 32, "md": 48, "lg": 128}


def initials(user) -> str:
    parts = [user.first_name.strip(), user.last_name.strip()]
    letters = "".join(part[0] for part in parts if part)
    return (letters or user.username[:1]).upper()


def colour_index(username: str) -> int:
    # A stable hash (not hash(), which differs between processes) so a user keeps one colour.
    digest = hashlib.sha256(username.lower().encode()).digest()
    return digest[0] % AVATAR_COLOURS


@register.inclusion_tag("profiles/avatar.html")
def avatar(user, size: str = "md", decorative: bool = False) -> dict[str, object]:
    """The user's photo, or initials on a colour derived from the username (also while the
    photo is out of public view: the member is suspended)."""
    try:
        profile = user.profile
    except ObjectDoesNotExist:
        profile = None
    photo = None
    if profile is not None and profile.photo:
        photo = (
            profile.photo_thumbnail if size != "lg" and profile.photo_thumbnail else profile.photo
        )
        if moderated.is_moderated(photo.name):
            photo = None
    return {
        "user": user,
        "size": size,
        "pixels": AVATAR_PIXELS.get(size, 48),
        "photo": photo,
        "initials": initials(user),
        "colour": colour_index(user.username),
        "decorative": decorative,
    }


@register.inclusion_tag("profiles/first_steps.html", takes_context=True)
def first_steps(context: template.Context, follows_anyone: bool, suggestions: bool = False):
    """The new member's checklist on the feed (nothing once done or closed)."""
    user = context["user"]
    steps = selectors.first_steps(user=user, follows_anyone=follows_anyone)
    return {
        "steps": steps,
        "done": sum(step.done for step in steps or ()),
        "suggestions": suggestions,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


PERSON_ROW_OPTIONS = frozenset({"item_class", "can_follow", "following"})


class PersonRowNode(template.Node):
    def __init__(self, person: FilterExpression, options: dict[str, FilterExpression],
                 nodelist: NodeList) -> None:  # fmt: skip
        self.person, self.options, self.nodelist = person, options, nodelist

    def render(self, context: template.Context) -> SafeString:
        options = {name: value.resolve(context) for name, value in self.options.items()}
        # The block's own output, escaped as it rendered; strip() alone would drop the mark.
        meta = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        row = context.template.engine.get_template("partials/person_row.html")
        with context.push(person=self.person.resolve(context), meta=meta, **options):
            return row.render(context)


@register.tag
def person_row(parser: Parser, token: Token) -> PersonRowNode:
    """One member in a list of people (Who to follow, followers, search): their avatar, name
    and @handle, what the block holds after the handle (a badge, why they are suggested), and
    with `can_follow` a follow button showing `following`. `item_class` adds to the row's
    classes (`list-group-item` in a list group).

        {% person_row person item_class="list-group-item" can_follow=True following=False %}
          {% presence_badge person %}
        {% endperson_row %}
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise TemplateSyntaxError("person_row takes the member, then options.")
    person = parser.compile_filter(bits[1])
    options = token_kwargs(bits[2:], parser, support_legacy=False)
    if len(options) != len(bits) - 2 or not options.keys() <= PERSON_ROW_OPTIONS:
        raise TemplateSyntaxError(
            f"person_row's options are name=value, named among {sorted(PERSON_ROW_OPTIONS)}."
        )
    nodelist = parser.parse(("endperson_row",))
    parser.delete_first_token()
    return PersonRowNode(person, options, nodelist)
