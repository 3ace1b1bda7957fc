# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import urlsplit

from lxml import html

from odoo import http
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_portal import PNG, ServicePortalCommon

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@tagged("post_install", "-at_install")
class TestServicePortalRequest(ServicePortalCommon):
    def setUp(self):
        super().setUp()
        self.authenticate("sm_portal", "sm_portal")

    def _mine(self):
        return self.env["service.intervention"].search(
            [("partner_id", "=", self.portal_partner.id)], order="id"
        )

    def _send(self, description, lot=None, files=None):
        return self.url_open(
            "/my/service/request",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "lot_id": str(lot.id) if lot else "",
                "description": description,
            },
            files=[("attachments", file) for file in files or []],
        )

    def _refused(self, response, description, *messages):
        """The form comes back with the messages and the text typed, and no
        intervention was created."""
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlsplit(response.url).path, "/my/service/request")
        tree = html.fromstring(response.text)
        errors = tree.xpath(
            "string(//div[contains(@class, 'o_service_request_errors')])"
        )
        self.assertIn("Your request was not sent", errors)
        for message in messages:
            self.assertIn(message, errors)
        self.assertEqual(
            tree.xpath("string(//textarea[@name='description'])"), description.strip()
        )
        self.assertFalse(self._mine())

    def test_request_confirms_and_opens_the_conversation(self):
        form = self.url_open(f"/my/service/request?lot_id={self.lot.id}").text
        selected = html.fromstring(form).xpath(
            "//select[@name='lot_id']/option[@selected]"
        )
        self.assertEqual(
            [option.get("value") for option in selected], [str(self.lot.id)]
        )
        self.assertNotIn("PB-9999", form)

        response = self._send(
            "No hot water since this morning\nThe display shows E04",
            lot=self.lot,
            files=[
                ("display.png", PNG, "image/png"),
                ("manual page.pdf", PDF, "application/pdf"),
            ],
        )
        intervention = self._mine()
        self.assertEqual(len(intervention), 1)
        self.assertEqual(intervention.origin, "request")
        self.assertEqual(intervention.state, "draft")
        self.assertEqual(intervention.object_ids.lot_id, self.lot)
        self.assertEqual(intervention.contract_id, self.contract)
        self.assertIn("No hot water", intervention.description)
        self.assertIn("E04", intervention.description)
        # the confirmation, on the intervention's page
        self.assertEqual(urlsplit(response.url).path, intervention.access_url)
        self.assertIn("message=sent", response.url)
        self.assertIn("your request has been sent", response.text)
        self.assertIn("Received", response.text)
        self.assertIn(intervention.name, response.text)
        # the request opens the chatter, by the customer, with the files
        message = intervention.message_ids.filtered(
            lambda m: m.message_type == "comment"
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.portal_partner)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn("No hot water since this morning<br>", message.body)
        self.assertEqual(
            sorted(message.attachment_ids.mapped("name")),
            ["display.png", "manual page.pdf"],
        )
        self.assertEqual(
            set(message.attachment_ids.mapped("res_id")), {intervention.id}
        )
        self.assertIn(self.portal_partner, intervention.message_partner_ids)
        self.assertIn(
            intervention.name, self.url_open("/my/service/interventions").text
        )

    def test_description_required_and_limited(self):
        self._refused(self._send("   "), "", "Describe the problem, please.")
        too_long = "x" * 5001
        self._refused(
            self._send(too_long, lot=self.lot),
            too_long,
            "The description is too long (5001 characters)",
            "5000 characters at most",
        )
        # the entered text comes back escaped, not as markup
        response = self._send("<b>bold</b>" + "y" * 5000)
        self._refused(response, "<b>bold</b>" + "y" * 5000, "too long")
        self.assertNotIn("<b>bold</b>", response.text)
        # exactly at the limit it goes through
        self._send("z" * 5000)
        self.assertEqual(len(self._mine()), 1)

    def test_attachments_limited_in_number_size_and_type(self):
        text = "The boiler leaks"
        self._refused(
            self._send(text, files=[(f"p{i}.png", PNG, "image/png") for i in range(4)]),
            text,
            "Attach at most 3 files to a request.",
        )
        big = PDF + b"0" * (5 * 1024 * 1024)
        self._refused(
            self._send(text, files=[("big.pdf", big, "application/pdf")]),
            text,
            "big.pdf is too large: each file can be at most 5 MB.",
        )
        for name, content, mimetype in (
            ("setup.exe", b"MZ\x90\x00", "application/octet-stream"),
            (
                "drawing.svg",
                b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                "image/svg+xml",
            ),
            # an extension that lies about the content
            ("photo.png", b"<html><script>alert(1)</script></html>", "image/png"),
            ("notes.pdf", PNG, "application/pdf"),
        ):
            self._refused(
                self._send(text, files=[(name, content, mimetype)]),
                text,
                f"{name} cannot be attached: only photos (JPEG, PNG, GIF, WebP) "
                "and PDF documents are accepted.",
            )
        # three good files at the limit go through
        self._send(
            text,
            files=[
                ("a.png", PNG, "image/png"),
                ("b.PDF", PDF, "application/pdf"),
                ("c.pdf", PDF + b"0" * (5 * 1024 * 1024 - len(PDF)), "application/pdf"),
            ],
        )
        self.assertEqual(len(self._mine().message_ids.attachment_ids), 3)

    @mute_logger("odoo.http", "werkzeug")
    def test_oversized_body_refused(self):
        # the route accepts the files it allows and a little more, not the
        # 128 MB Odoo accepts by default
        huge = PDF + b"0" * (17 * 1024 * 1024)
        response = self._send("Too much", files=[("huge.pdf", huge, "application/pdf")])
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self._mine())

    def test_foreign_serial_ignored(self):
        self._send("Trying someone else's boiler", lot=self.other_lot)
        intervention = self._mine()
        self.assertEqual(len(intervention), 1)
        self.assertFalse(intervention.object_ids)
