"""The trainee's calendar: a private iCalendar feed of their sessions (a URL to subscribe to from
any calendar app, no sign-in) and the page where they create or regenerate it."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from talent.accounts.models import User
from talent.extensions import db, limiter
from talent.learning import calendar
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.context import current_actor
from talent.web.trainee.views import bp

# The feed itself lives outside /me: calendar apps fetch it without a session.
feeds = Blueprint("feeds", __name__)


class RegenerateForm(FlaskForm):
    pass


def feed_url(token: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("feeds.calendar_feed", token=token)


@bp.route("/calendar")
@permission_required(P.SELF_READ)
def calendar_page():
    token = calendar.feed_token(current_actor())
    return render_template("trainee/calendar.html", url=feed_url(token) if token else None, form=RegenerateForm())


@bp.route("/calendar/regenerate", methods=["POST"])
@permission_required(P.SELF_READ)
def calendar_regenerate():
    form = RegenerateForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("trainee.calendar_page"))
    had_one = calendar.feed_token(current_actor()) is not None
    calendar.regenerate(current_actor())
    flash(_("A new calendar link was created; the previous one no longer works.") if had_one
          else _("Your calendar link was created."), "success")
    return redirect(url_for("trainee.calendar_page"))


@feeds.route("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def calendar_feed(token: str):
    trainee = calendar.trainee_for_token(token)   # NotFound → the ordinary 404 page
    user = db.session.get(User, trainee.user_id) if trainee.user_id else None
    language = user.locale if user is not None and user.locale in current_app.config["LANGUAGES"] else "az"
    body = calendar.render_ics(trainee, calendar.trainee_sessions(trainee.id), language=language,
                               calendar_name="AI Talent Centers", host=current_app.config.get("SERVER_NAME") or "talent")
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="sessions.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
