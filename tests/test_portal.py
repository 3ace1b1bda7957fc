# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import io
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from lxml import html
from PIL import Image

from odoo import fields, http
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 0, 128)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
# the customer's signature
SIGNATURE = base64.b64encode(PNG)


class ServicePortalCommon(HttpCase):
    """Two customers with a portal user each; the first one has a running
    contract, installed products and more interventions than a page shows,
    one of them done, signed and invoiced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Portal Condominium", "is_company": True}
        )
        cls.portal_user = new_test_user(
            cls.env, login="sm_portal", groups="base.group_portal", name="Paola Portal"
        )
        cls.portal_partner = cls.portal_user.partner_id
        cls.portal_partner.parent_id = cls.customer
        cls.other = cls.env["res.partner"].create(
            {"name": "Someone Else", "is_company": True}
        )
        cls.other_user = new_test_user(
            cls.env, login="sm_portal_other", groups="base.group_portal", name="Otto"
        )
        cls.other_user.partner_id.parent_id = cls.other
        cls.product = cls.env["product.product"].create(
            {"name": "Portal Boiler", "type": "consu", "service_warranty_months": 24}
        )
        cls.lot, cls.lot_2, cls.other_lot = cls.env["stock.lot"].create(
            [
                {
                    "name": "PB-0001",
                    "product_id": cls.product.id,
                    "service_partner_id": cls.customer.id,
                    "service_state": "installed",
                    "service_installed_on": date(2025, 5, 1),
                    "warranty_end_date": date(2099, 5, 1),
                },
                {
                    "name": "PB-0002",
                    "product_id": cls.product.id,
                    "service_partner_id": cls.customer.id,
                    "service_state": "installed",
                    "service_installed_on": date(2024, 1, 1),
                    "warranty_end_date": date(2025, 1, 1),
                },
                {
                    "name": "PB-9999",
                    "product_id": cls.product.id,
                    "service_partner_id": cls.other.id,
                },
            ]
        )
        cls.contract = cls.env["service.contract"].create(
            {
                "partner_id": cls.customer.id,
                "contract_type": "warranty",
                "lot_ids": [Command.set(cls.lot.ids)],
                "note": "<p>INTERNAL-CONTRACT-NOTE</p>",
            }
        )
        cls.contract.action_start()
        cls.draft_contract = cls.env["service.contract"].create(
            {"partner_id": cls.customer.id, "contract_type": "maintenance"}
        )
        cls.other_contract = cls.env["service.contract"].create(
            {"partner_id": cls.other.id, "contract_type": "warranty"}
        )
        Intervention = cls.env["service.intervention"]
        # 22 plain requests, oldest first, then a planned visit on PB-0001
        # and a done one: 24 interventions, two pages of 20
        now = fields.Datetime.now()
        cls.requests = Intervention.create(
            [
                {
                    "partner_id": cls.customer.id,
                    "date_request": now - timedelta(days=30 - index),
                }
                for index in range(22)
            ]
        )
        labour = cls.env["product.product"].create(
            {"name": "Portal labour", "type": "service", "list_price": 50.0}
        )
        activity = cls.env["service.activity.type"].create(
            {
                "name": "Portal repair",
                "code": "P-REP",
                "product_id": labour.id,
                "cost_per_hour": 17.25,
            }
        )
        cls.technician = cls.env["hr.employee"].create({"name": "Tino Tecnico"})
        cls.planned = Intervention.create(
            {
                "partner_id": cls.customer.id,
                "technician_id": cls.technician.id,
                "scheduled_start": datetime(2030, 3, 4, 9, 0),
                "date_request": now - timedelta(days=5),
                "object_ids": [Command.create({"lot_id": cls.lot.id})],
            }
        )
        cls.planned.action_schedule()
        cls.done = Intervention.create(
            {
                "partner_id": cls.customer.id,
                "technician_id": cls.technician.id,
                "date_request": now - timedelta(days=1),
                "object_ids": [Command.create({"lot_id": cls.lot_2.id})],
                "work_summary": "<p>Replaced the pump</p>",
                "note": "<p>INTERNAL-INTERVENTION-NOTE</p>",
                "line_ids": [
                    Command.create(
                        {
                            "line_type": "activity",
                            "activity_type_id": activity.id,
                            "quantity": 2,
                        }
                    )
                ],
            }
        )
        cls.done.action_start()
        cls.done.action_done()
        cls.done.write({"signature": SIGNATURE, "signed_by": "Carla Custode"})
        cls.invoice = cls.env["service.invoicing"]._invoice_work(
            date=fields.Date.today() + timedelta(days=1), interventions=cls.done
        )
        cls.invoice.action_post()
        cls.other_intervention = Intervention.create({"partner_id": cls.other.id})
        cls.customer_interventions = cls.requests | cls.planned | cls.done

    def _page(self, url, **kwargs):
        response = self.url_open(url, **kwargs)
        self.assertEqual(response.status_code, 200, url)
        return response.text

    def _rows(self, page):
        """The texts of the first cells of the portal table's rows."""
        return [
            row.xpath("string(./td[1])").strip()
            for row in html.fromstring(page).xpath(
                "//table[contains(@class, 'o_portal_my_doc_table')]/tbody/tr"
            )
        ]


@tagged("post_install", "-at_install")
class TestServicePortal(ServicePortalCommon):
    def test_lists_show_own_records_with_customer_statuses(self):
        self.authenticate("sm_portal", "sm_portal")
        page = self._page("/my/service/contracts")
        self.assertEqual(
            set(self._rows(page)), {self.contract.name, self.draft_contract.name}
        )
        self.assertIn("Active", page)
        self.assertIn("Being prepared", page)
        self.assertNotIn("Running", page)
        self.assertNotIn("Draft", page)

        page = self._page("/my/service/interventions")
        self.assertNotIn(self.other_intervention.name, page)
        for label in ("Received", "Planned", "Completed"):
            self.assertIn(label, page)
        self.assertNotIn(">Draft<", page)
        self.assertNotIn(">Done<", page)

        page = self._page("/my/service/installed")
        self.assertEqual(
            [row.splitlines()[0] for row in self._rows(page)], ["Portal Boiler"] * 2
        )
        # on a phone the warranty shows under the product
        self.assertIn("Warranty until", self._rows(page)[0])
        self.assertIn("PB-0001", page)
        self.assertNotIn("PB-9999", page)
        self.assertIn(f"/my/service/request?lot_id={self.lot.id}", page)

    def test_pager(self):
        self.assertEqual(len(self.customer_interventions), 24)
        self.authenticate("sm_portal", "sm_portal")
        first = self._page("/my/service/interventions")
        self.assertIn('href="/my/service/interventions/page/2', first)
        second = self._page("/my/service/interventions/page/2")
        first_rows, second_rows = self._rows(first), self._rows(second)
        self.assertEqual(len(first_rows), 20)
        self.assertEqual(len(second_rows), 4)
        self.assertEqual(
            set(first_rows) | set(second_rows),
            set(self.customer_interventions.mapped("name")),
        )
        # newest first: the done one, then the planned one
        self.assertEqual(first_rows[:2], [self.done.name, self.planned.name])
        # a page past the end shows the last one
        self.assertEqual(
            self._rows(self._page("/my/service/interventions/page/9")), second_rows
        )

    def test_search_by_serial_and_reference(self):
        self.authenticate("sm_portal", "sm_portal")
        url = "/my/service/interventions"
        page = self._page(url, params={"search": "PB-0001", "search_in": "serial"})
        self.assertEqual(self._rows(page), [self.planned.name])
        # the search is kept in the pager and the search box
        self.assertIn('value="PB-0001"', page)
        page = self._page(url, params={"search": "pb-0002", "search_in": "all"})
        self.assertEqual(self._rows(page), [self.done.name])
        name = self.requests[3].name
        page = self._page(url, params={"search": name, "search_in": "name"})
        self.assertEqual(self._rows(page), [name])
        # the other customer's serial finds nothing
        page = self._page(url, params={"search": "PB-9999", "search_in": "serial"})
        self.assertEqual(self._rows(page), [])
        self.assertIn("Nothing matches your search", page)

        page = self._page(
            "/my/service/contracts",
            params={"search": "PB-0001", "search_in": "serial"},
        )
        self.assertEqual(self._rows(page), [self.contract.name])
        page = self._page(
            "/my/service/installed",
            params={"search": "0002", "search_in": "serial"},
        )
        self.assertEqual(len(self._rows(page)), 1)
        self.assertIn("PB-0002", page)
        self.assertNotIn("PB-0001", page)
        page = self._page(
            "/my/service/installed",
            params={"search": "boiler", "search_in": "product"},
        )
        self.assertEqual(len(self._rows(page)), 2)

    def test_sort(self):
        self.authenticate("sm_portal", "sm_portal")
        names = sorted(self.customer_interventions.mapped("name"), reverse=True)
        page = self._page("/my/service/interventions", params={"sortby": "name"})
        self.assertEqual(self._rows(page), names[:20])
        page = self._page("/my/service/interventions/page/2?sortby=name")
        self.assertEqual(self._rows(page), names[20:])
        # the pager keeps the sort
        self.assertIn("sortby=name", page)
        page = self._page("/my/service/installed", params={"sortby": "warranty"})
        self.assertLess(page.index("PB-0002"), page.index("PB-0001"))
        page = self._page("/my/service/installed", params={"sortby": "installed"})
        self.assertLess(page.index("PB-0001"), page.index("PB-0002"))
        # an unknown sort falls back to the default one
        page = self._page("/my/service/contracts", params={"sortby": "nope"})
        self.assertEqual(len(self._rows(page)), 2)

    @mute_logger("odoo.http")
    def test_foreign_or_missing_record_is_not_found(self):
        self.authenticate("sm_portal", "sm_portal")
        missing = self.other_intervention.id + 1000
        for url in (
            f"/my/service/contracts/{self.other_contract.id}",
            f"/my/service/interventions/{self.other_intervention.id}",
            f"/my/service/interventions/{missing}",
            f"/my/service/contracts/{missing}",
            f"/my/service/interventions/{self.other_intervention.id}"
            "?report_type=pdf&download=true",
            f"/my/service/contracts/{self.other_contract.id}?report_type=pdf",
            # a wrong token opens nothing
            f"/my/service/interventions/{self.other_intervention.id}"
            "?access_token=wrong",
        ):
            response = self.url_open(url, allow_redirects=False)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn(self.other_intervention.name, response.text)
            self.assertNotIn(self.other_contract.name, response.text)
        # their own records open
        self.assertIn(
            "PB-0001", self._page(f"/my/service/contracts/{self.contract.id}")
        )

    def test_pdf_for_the_owner_and_the_token(self):
        self.authenticate("sm_portal", "sm_portal")
        page = self._page(f"/my/service/interventions/{self.done.id}")
        report_url = html.fromstring(page).xpath(
            "//a[contains(@class, 'o_service_download')]/@href"
        )[0]
        response = self.url_open(report_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn("Intervention", response.headers["Content-Disposition"])
        self.assertIn(self.done.name.encode(), response.content)
        # the customer's own PDF without the token too: no 403
        response = self.url_open(
            f"/my/service/interventions/{self.done.id}?report_type=pdf"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("inline", response.headers["Content-Disposition"])
        response = self.url_open(
            f"/my/service/contracts/{self.contract.id}?report_type=pdf&download=1"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("Contract", response.headers["Content-Disposition"])
        self.assertIn(self.contract.name.encode(), response.content)

        # anyone with the shared link
        self.authenticate(None, None)
        token = self.done._portal_ensure_token()
        response = self.url_open(
            f"/my/service/interventions/{self.done.id}"
            f"?access_token={token}&report_type=pdf&download=true"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        # the other customer, logged in, gets nothing without the link
        self.authenticate("sm_portal_other", "sm_portal_other")
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/my/service/interventions/{self.done.id}?report_type=pdf"
            )
        self.assertEqual(response.status_code, 404)
        self.assertNotEqual(response.headers["Content-Type"], "application/pdf")

    def test_done_intervention_shows_report_signature_invoice(self):
        self.authenticate("sm_portal", "sm_portal")
        page = self._page(f"/my/service/interventions/{self.done.id}")
        tree = html.fromstring(page)
        self.assertIn("Completed", page)
        self.assertIn("Download report", page)
        # the invoices listed do not leak into the breadcrumbs
        crumbs = tree.xpath("//ol[contains(@class, 'o_portal_submenu')]/li")
        self.assertEqual(
            [crumb.text_content().strip() for crumb in crumbs[1:]],
            ["Interventions", self.done.name],
        )
        self.assertIn("Replaced the pump", page)
        signature = tree.xpath("//section[@id='signature']//img/@src")
        self.assertEqual(
            signature, [f"data:image/png;base64,{self.done.signature.decode()}"]
        )
        self.assertIn("Carla Custode", page)
        links = tree.xpath("//section[@id='invoices']//a/@href")
        self.assertEqual(len(links), 1)
        self.assertTrue(
            links[0].startswith(f"/my/invoices/{self.invoice.id}?access_token=")
        )
        self.assertIn(self.invoice.name, page)
        self.assertIn(self.invoice.name, self._page(links[0]))
        # internal notes, costs and margins stay inside
        self.assertNotIn("INTERNAL-INTERVENTION-NOTE", page)
        self.assertEqual(self.done.cost_total, 34.5)
        self.assertIn("100.00", page)  # what the customer pays
        self.assertNotIn("34.50", page)  # what it cost
        self.assertNotIn(
            "INTERNAL-CONTRACT-NOTE",
            self._page(f"/my/service/contracts/{self.contract.id}"),
        )
        # the chatter is there, and the customer may write in it
        thread = tree.xpath("//div[@id='discussion']")[0]
        self.assertEqual(thread.get("data-res_model"), "service.intervention")
        self.assertEqual(thread.get("data-token"), self.done.access_token)

        # a planned one has no report nor signature yet
        page = self._page(f"/my/service/interventions/{self.planned.id}")
        self.assertIn("Planned", page)
        self.assertNotIn("Download report", page)
        self.assertNotIn('id="signature"', page)

        # someone holding the shared link sees the report, not the invoices
        self.authenticate(None, None)
        page = self._page(
            f"/my/service/interventions/{self.done.id}"
            f"?access_token={self.done.access_token}"
        )
        self.assertIn("Download report", page)
        self.assertNotIn(self.invoice.name, page)

    def test_customer_answers_in_the_chatter(self):
        self.authenticate("sm_portal", "sm_portal")
        page = self._page(f"/my/service/interventions/{self.planned.id}")
        token = html.fromstring(page).xpath("//div[@id='discussion']/@data-token")[0]
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "service.intervention",
                "thread_id": self.planned.id,
                "post_data": {
                    "body": "Please come in the afternoon",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
                "token": token,
            },
        )
        message = self.planned.message_ids[:1]
        self.assertIn("Please come in the afternoon", message.body)
        self.assertEqual(message.author_id, self.portal_partner)

    def test_login_lands_on_the_requested_page(self):
        self.authenticate(None, None)
        for url in (
            "/my/service/interventions?search=PB-0001&search_in=serial",
            f"/my/service/interventions/{self.planned.id}",
            "/my/service/installed/page/1",
            "/my/service/request",
        ):
            response = self.url_open(url, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303), url)
            location = urlsplit(response.headers["Location"])
            self.assertEqual(location.path, "/web/login", url)
            redirect = parse_qs(location.query)["redirect"][0]
            self.assertEqual(redirect.rstrip("?"), url)

        url = "/my/service/interventions?search=PB-0001&search_in=serial"
        response = self.url_open(
            "/web/login",
            data={
                "login": "sm_portal",
                "password": "sm_portal",
                "redirect": url,
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.request.path_url, url)
        self.assertEqual(self._rows(response.text), [self.planned.name])
