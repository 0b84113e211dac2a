"""Every text the kiosk's JavaScript shows, as catalogue messages.

The kiosk page renders them in both languages (``views.kiosk``), so the citizen's language
toggle works without a network. Placeholders such as ``%(seconds)s`` are filled in by the
page's script.
"""
from flask_babel import lazy_gettext as _l

# The language toggle names each language in itself: no translation.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

STRINGS = {
    # The bar and the status line.
    "app_name": _l("Servir"),
    "app_tagline": _l("Your opinion on our services"),
    "staff_button": _l("Staff"),
    "loading": _l("Loading…"),
    "status_online": _l("Online"),
    "status_offline": _l("Offline"),
    "status_backlog": _l("Responses waiting to be sent: %(count)s"),
    "status_auth_lost": _l("This tablet is no longer enrolled: tell staff"),
    # Problems that stop the kiosk.
    "fatal_title": _l("This tablet cannot run the kiosk"),
    "fatal_secure": _l("The kiosk needs a secure (HTTPS) address and a recent browser."),
    "fatal_storage": _l("The browser refuses to store data on this tablet. Check its settings (private browsing must be off)."),
    "fatal_script": _l("The kiosk needs JavaScript."),
    # Enrollment.
    "enroll_title": _l("Enroll this tablet"),
    "enroll_intro": _l("Enter the one-time enrollment code given by the administrator. The tablet needs the network for this step only."),
    "enroll_label": _l("Enrollment code"),
    "enroll_hint": _l("For example ABCD-EFGH-JKMN. Upper or lower case, with or without dashes."),
    "enroll_submit": _l("Enroll"),
    "enroll_missing": _l("Enter the enrollment code."),
    "enroll_working": _l("Enrolling…"),
    "enroll_refused": _l("This code is not valid: it may have been used already, or have expired. Ask for a new code."),
    "enroll_network": _l("The server cannot be reached. Check the network and try again."),
    # Welcome.
    "welcome_title": _l("Your opinion counts"),
    "welcome_intro": _l("A few questions about the service you received today. Your answers are anonymous."),
    "our_commitment": _l("Our commitment:"),
    "start": _l("Start"),
    "choose_service": _l("Which service did you receive?"),
    "no_questionnaire": _l("No questionnaire is available on this kiosk at the moment."),
    "wait_seconds": _l("The next questionnaire will be available in %(seconds)s s."),
    # Questions.
    "progress": _l("Question %(current)s of %(total)s"),
    "required": _l("required"),
    "yes": _l("Yes"),
    "no": _l("No"),
    "not_applicable": _l("Don't know / not applicable"),
    "choose_all": _l("Choose all the answers that apply."),
    "number_between": _l("A number from %(min)s to %(max)s."),
    "characters_max": _l("At most %(count)s characters."),
    "please_answer": _l("Please answer this question."),
    "number_between_error": _l("Enter a number from %(min)s to %(max)s."),
    "number_error": _l("Enter a number, for example 12."),
    "too_long": _l("Keep your answer under %(count)s characters."),
    "back": _l("Back"),
    "next": _l("Next"),
    "send": _l("Send my answers"),
    "save_failed": _l("Your answers could not be saved on this tablet. Please tell staff."),
    # Thank you.
    "thanks_title": _l("Thank you!"),
    "thanks_text": _l("Your answers have been recorded. They help us improve our services."),
    "thanks_reset": _l("This screen resets for the next person in %(seconds)s s."),
    "finish": _l("Finish"),
    # Inactivity.
    "idle_title": _l("Are you still there?"),
    "idle_discard": _l("Without a touch, your answers will be erased in %(seconds)s s."),
    "idle_keep": _l("Without a touch, this questionnaire will close in %(seconds)s s."),
    "idle_staff": _l("Without a touch, the kiosk returns to the welcome screen in %(seconds)s s."),
    "idle_continue": _l("Continue"),
    # Staff PIN.
    "pin_title": _l("Staff access"),
    "pin_intro": _l("Enter the staff PIN to leave kiosk mode."),
    "pin_label": _l("Staff PIN"),
    "pin_submit": _l("Confirm"),
    "cancel": _l("Cancel"),
    "pin_wrong": _l("Wrong PIN."),
    "pin_locked": _l("Too many attempts. Try again in %(seconds)s s."),
    "pin_locked_minutes": _l("Too many attempts. Try again in %(minutes)s min."),
    "pin_offline_expired": _l("This tablet has been offline too long to check the PIN itself. Connect it to the network."),
    "pin_unavailable": _l("The PIN cannot be checked: this tablet has no PIN yet. Connect it to the network."),
    # Staff panel.
    "staff_title": _l("Staff panel"),
    "figure_kiosk": _l("Kiosk"),
    "figure_site": _l("Site"),
    "figure_connection": _l("Connection"),
    "figure_backlog": _l("Responses waiting to be sent"),
    "figure_rejected": _l("Of which refused by the server"),
    "figure_last_sync": _l("Last successful sync"),
    "figure_persistent": _l("Persistent storage"),
    "figure_version": _l("Kiosk version"),
    "never": _l("Never"),
    "unknown": _l("Unknown"),
    "resume_kiosk": _l("Back to kiosk mode"),
    "sync_now": _l("Send now"),
    "sync_started": _l("Sending started."),
    "save_queue": _l("Save the waiting responses to a file"),
    "queue_saved": _l("File saved with %(count)s responses. They stay on the tablet until the server confirms them."),
    "rejected_help": _l("The server refused some responses. They are kept on this tablet: save them to a file and give it to the administrator."),
    "auth_lost_help": _l("The server no longer recognizes this tablet (its enrollment was revoked or replaced). Responses are still collected and kept. Save them to a file, or enroll the tablet again with a new code."),
    "import_title": _l("Add responses from a file"),
    "import_help": _l("A file saved on another kiosk: its responses join this tablet's queue and are sent with it. A response already received is never counted twice."),
    "import_label": _l("File of waiting responses"),
    "import_invalid": _l("This file is not a file of kiosk responses."),
    "import_done": _l("%(added)s responses added to the queue (%(total)s in the file)."),
    "reenroll_title": _l("Enroll again"),
    "reenroll_help": _l("With a new enrollment code from the administrator. The waiting responses are kept."),
    "leave_title": _l("Leave kiosk mode"),
    "leave_help": _l("Waiting responses stay on the tablet and will be sent the next time the kiosk page is open."),
    "leave_kiosk": _l("Leave kiosk mode"),
}
