"""A mail backend that takes its time, like a slow SMTP server (for the timing test)."""

import time

from django.core.mail.backends.locmem import EmailBackend

DELAY_SECONDS = 1.0


class SlowEmailBackend(EmailBackend):
    def send_messages(self, messages):
        time.sleep(DELAY_SECONDS)
        return super().send_messages(messages)
