# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A technician's day on a phone: timer, parts by scan, machines found on
site, close-out, landing on today's jobs, the signed day's report."""

import base64
import re
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import (
    datetime as safe_datetime,
    safe_eval,
)

from .test_intervention import InterventionCommon

SIGNATURE_PNG = base64.b64encode(
    base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"
        "DwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
)
PART_FORM = "service_management.service_intervention_line_view_form_part"


class PhoneCommon(InterventionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"
        cls.tech_user.tz = "UTC"
        cls.helper_user = new_test_user(
            cls.env,
            login="phone_helper",
            groups="service_management.group_service_technician",
            name="Ugo Helper",
            tz="UTC",
        )
        cls.technician_2.user_id = cls.helper_user
        cls.van = cls.env["stock.location"].create(
            {
                "name": "Van Tess",
                "usage": "internal",
                "location_id": cls.warehouse.view_location_id.id,
            }
        )
        cls.technician.service_location_id = cls.van
        cls.job = cls._intervention(
            technician_ids=[Command.set(cls.technician_2.ids)],
            scheduled_start=datetime(2026, 11, 2, 9, 0),
        )
        cls.job.action_schedule()


@tagged("post_install", "-at_install")
class TestPhoneTimer(PhoneCommon):
    def _my_line(self, employee):
        return self.job.line_ids.filtered(
            lambda line: line.line_type == "activity" and line.employee_id == employee
        )

    def test_round_up_to_the_increment(self):
        Timer = self.env["service.intervention.timer"]
        self.assertEqual(Timer._round_up(0.0, 0.25), 0.0)
        self.assertEqual(Timer._round_up(1 / 60, 0.25), 0.25)
        self.assertEqual(Timer._round_up(0.25, 0.25), 0.25)
        self.assertEqual(Timer._round_up(0.26, 0.25), 0.5)
        self.assertEqual(Timer._round_up(0.26, 1.0), 1.0)
        # no increment: to the minute
        self.assertAlmostEqual(Timer._round_up(61 / 3600, 0.0), 2 / 60)

    def test_pauses_excluded_and_hours_rounded_up(self):
        job = self.job.with_user(self.tech_user)
        with freeze_time("2026-11-02 09:00:00"):
            job.action_timer_start()
        self.assertEqual(job.state, "in_progress", "starting the timer starts the job")
        with freeze_time("2026-11-02 09:20:00"):
            job.invalidate_recordset(["timer_state", "timer_hours"])
            self.assertEqual(job.timer_state, "running")
            self.assertAlmostEqual(job.timer_hours, 20 / 60)
            job.action_timer_pause()
        with freeze_time("2026-11-02 10:00:00"):
            job.invalidate_recordset(["timer_state", "timer_hours"])
            self.assertEqual(job.timer_state, "paused")
            self.assertAlmostEqual(job.timer_hours, 20 / 60, msg="pauses do not count")
            job.action_timer_start()
        with freeze_time("2026-11-02 10:05:00"):
            action = job.action_timer_stop()
        line = self._my_line(self.technician)
        # 25 minutes worked: half an hour with the default 0.25 h increment
        self.assertEqual(line.quantity, 0.5)
        self.assertEqual(line.date, date(2026, 11, 2))
        self.assertTrue(line.activity_type_id, "an activity type is proposed")
        # the line opens to be checked; it stays editable
        self.assertEqual(action["res_id"], line.id)
        self.assertEqual(action["res_model"], "service.intervention.line")
        with Form(line.with_user(self.tech_user), view=action["views"][0][0]) as form:
            form.quantity = 0.75
        self.assertEqual(line.quantity, 0.75)
        job.invalidate_recordset(["timer_state"])
        self.assertEqual(job.timer_state, "stopped")

    def test_company_increment(self):
        self.company.service_time_increment = 1.0
        job = self.job.with_user(self.tech_user)
        with freeze_time("2026-11-02 09:00:00"):
            job.action_timer_start()
        with freeze_time("2026-11-02 09:10:00"):
            job.action_timer_stop()
        self.assertEqual(self._my_line(self.technician).quantity, 1.0)

    def test_stopped_within_the_same_second_counts_one_increment(self):
        job = self.job.with_user(self.tech_user)
        with freeze_time("2026-11-02 09:00:00"):
            job.action_timer_start()
            action = job.action_timer_stop()
        line = self._my_line(self.technician)
        self.assertEqual(line.quantity, 0.25)
        self.assertEqual(action["res_id"], line.id)

    def test_each_technician_has_their_own_timer(self):
        tess = self.job.with_user(self.tech_user)
        ugo = self.job.with_user(self.helper_user)
        with freeze_time("2026-11-02 09:00:00"):
            tess.action_timer_start()
        with freeze_time("2026-11-02 09:30:00"):
            ugo.action_timer_start()
            ugo.invalidate_recordset(["timer_hours"])
            self.assertEqual(ugo.timer_hours, 0.0)
        with freeze_time("2026-11-02 10:00:00"):
            tess.action_timer_stop()
            ugo.invalidate_recordset(["timer_state", "timer_hours"])
            self.assertEqual(ugo.timer_state, "running", "Tess's stop leaves Ugo's")
            self.assertAlmostEqual(ugo.timer_hours, 0.5)
        with freeze_time("2026-11-02 10:10:00"):
            ugo.action_timer_stop()
        self.assertEqual(self._my_line(self.technician).quantity, 1.0)
        self.assertEqual(self._my_line(self.technician_2).quantity, 0.75)
        # a technician does not read a colleague's timer
        with freeze_time("2026-11-02 11:00:00"):
            tess.action_timer_start()
        self.assertFalse(
            self.env["service.intervention.timer"]
            .with_user(self.helper_user)
            .search([])
        )

    def test_activity_proposed_from_the_pending_protocol_step(self):
        protocol = self.env["service.protocol"].create(
            {
                "name": "Yearly check",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Check the flue",
                            "activity_type_id": self.activity_inspection.id,
                            "mandatory": True,
                        }
                    ),
                    Command.create(
                        {"name": "Repair", "activity_type_id": self.activity_repair.id}
                    ),
                ],
            }
        )
        self.job.protocol_id = protocol
        self.job.action_apply_protocol()
        first = self.job.line_ids.filtered(
            lambda line: line.activity_type_id == self.activity_inspection
        )
        first.done = True
        job = self.job.with_user(self.tech_user)
        self.assertEqual(job._proposed_activity_type(), self.activity_repair)

    def test_stop_needs_a_running_timer(self):
        with self.assertRaisesRegex(UserError, "timer on .* is not running"):
            self.job.with_user(self.tech_user).action_timer_stop()


@tagged("post_install", "-at_install")
class TestPhoneScan(PhoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.job.action_start()
        cls.gasket = cls.env["product.product"].create(
            {
                "name": "Gasket 40",
                "type": "consu",
                "is_storable": True,
                "barcode": "8001234567890",
                "default_code": "GSK-40",
            }
        )
        Quant = cls.env["stock.quant"]
        Quant._update_available_quantity(cls.gasket, cls.van, 5)
        # a lot-tracked sensor: one lot in the warehouse, one in the van
        cls.sensor = cls.env["product.product"].create(
            {
                "name": "Flame sensor",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
                "barcode": "8009999000011",
            }
        )
        cls.sensor_lot_wh = cls._make_lots(cls.sensor, ["FS-WH"], qty=3)
        cls.sensor_lot_van = cls._make_lots(
            cls.sensor, ["FS-VAN"], qty=2, location=cls.van
        )

    def _part_form(self, user=None):
        Line = self.env["service.intervention.line"].with_user(user or self.tech_user)
        return Form(
            Line.with_context(
                default_intervention_id=self.job.id, default_line_type="part"
            ),
            view=PART_FORM,
        )

    def test_serial(self):
        form = self._part_form()
        form.scan_code = "CB-0001"
        self.assertEqual(form.product_id, self.serial_part)
        self.assertEqual(form.lot_id, self.board_lot)
        line = form.save()
        self.assertEqual(line.line_type, "part")
        self.assertEqual(line.intervention_id, self.job)

    def test_product_barcode_and_internal_reference(self):
        form = self._part_form()
        form.scan_code = "8001234567890"
        self.assertEqual(form.product_id, self.gasket)
        self.assertFalse(form.lot_id)
        form = self._part_form()
        form.scan_code = " gsk-40 "
        self.assertEqual(form.product_id, self.gasket)

    def test_tracked_product_proposes_the_lot_in_the_van(self):
        form = self._part_form()
        form.scan_code = "8009999000011"
        self.assertEqual(form.product_id, self.sensor)
        self.assertEqual(form.lot_id, self.sensor_lot_van)

    def test_van_stock_preferred(self):
        # two products answer to the same reference: the one in the van wins
        twin = self.env["product.product"].create(
            {"name": "Gasket 40 (old)", "type": "consu", "default_code": "GSK-40"}
        )
        self.assertTrue(twin)
        Line = self.env["service.intervention.line"].with_user(self.tech_user)
        product, __ = Line.new({"intervention_id": self.job.id})._lookup_code(
            "GSK-40", self.van
        )
        self.assertEqual(product, self.gasket)
        # the same lot name on two products: the one in the van wins
        other = self.env["product.product"].create(
            {
                "name": "Ignition sensor",
                "type": "consu",
                "is_storable": True,
                "tracking": "lot",
            }
        )
        self._make_lots(other, ["FS-VAN"], qty=1)
        product, lot = Line._lookup_code("FS-VAN", self.van)
        self.assertEqual((product, lot), (self.sensor, self.sensor_lot_van))

    def test_unknown_code(self):
        form = self._part_form()
        with self.assertRaisesRegex(UserError, "No spare part has the code NOPE-42"):
            form.scan_code = "NOPE-42"

    def test_part_not_in_the_van_asks_where_it_came_from(self):
        # the "Add part" dialog, as the technician's button opens it
        action = self.job.with_user(self.tech_user).action_add_part()
        Line = self.env["service.intervention.line"].with_user(self.tech_user)
        form = Form(Line.with_context(**action["context"]), view=PART_FORM)
        form.scan_code = "FS-WH"
        self.assertEqual(form.lot_id, self.sensor_lot_wh)
        self.assertIn("FS-WH is not in WH/Van Tess", form.van_shortage)
        # a request: refused as a whole
        with (
            self.assertRaisesRegex(ValidationError, "Brought From Elsewhere"),
            self.env.cr.savepoint(),
        ):
            form.save()
        self.assertFalse(self.job.line_ids.filtered("lot_id"), "nothing half-saved")
        form.outside_van = True
        line = form.save()
        self.assertEqual(line.lot_id, self.sensor_lot_wh)
        self.assertTrue(line.outside_van)
        # more than the van holds asks too; what the van holds does not
        form = Form(Line.with_context(**action["context"]), view=PART_FORM)
        form.scan_code = "8001234567890"
        self.assertFalse(form.van_shortage, "in the van")
        form.quantity = 6
        self.assertIn("holds 5", form.van_shortage)
        form.quantity = 5
        self.assertFalse(form.van_shortage)
        self.assertEqual(form.save().product_id, self.gasket)


@tagged("post_install", "-at_install")
class TestPhoneJob(PhoneCommon):
    def test_register_a_machine_found_on_site(self):
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(self.tech_user).create(
                {"name": "NEW-1", "product_id": self.boiler.id}
            )
        wizard = (
            self.env["service.lot.register"]
            .with_user(self.tech_user)
            .create(
                {
                    "intervention_id": self.job.id,
                    "product_id": self.boiler.id,
                    "serial": " NEW-1 ",
                    "symptom": "Leaks",
                }
            )
        )
        wizard.action_register()
        lot = self.job.object_ids.lot_id.filtered(lambda lot: lot.name == "NEW-1")
        self.assertTrue(lot.service_to_confirm)
        self.assertEqual(lot.service_partner_id, self.customer)
        self.assertEqual(lot.service_state, "installed")
        self.assertEqual(
            self.job.object_ids.filtered(lambda o: o.lot_id == lot).symptom, "Leaks"
        )

    def test_register_refuses_a_serial_of_another_customer(self):
        self._make_lots(self.boiler, ["BX-OTHER"]).service_partner_id = self.customer_b
        wizard = (
            self.env["service.lot.register"]
            .with_user(self.tech_user)
            .create(
                {
                    "intervention_id": self.job.id,
                    "product_id": self.boiler.id,
                    "serial": "BX-OTHER",
                }
            )
        )
        with self.assertRaisesRegex(UserError, "registered at another customer"):
            wizard.action_register()

    def test_done_and_send_in_one_step(self):
        self.customer.email = "office@customer.example.com"
        job = self.job.with_user(self.tech_user)
        job.action_timer_start()
        action = job.action_add_hours()
        self.assertEqual(action["context"]["default_line_type"], "activity")
        self._line(
            self.job, line_type="activity", activity_type_id=self.activity_repair.id
        )
        close = job.action_close_job()
        wizard = self.env[close["res_model"]].with_user(self.tech_user)
        wizard = wizard.browse(close["res_id"])
        with self.assertRaisesRegex(UserError, "Stop your timer"):
            wizard.signature = SIGNATURE_PNG
            wizard.action_done_and_send()
        job.action_timer_stop()
        close = job.action_close_job()
        wizard = wizard.browse(close["res_id"])
        with self.assertRaisesRegex(UserError, "Ask the customer to sign"):
            wizard.action_done_and_send()
        with Form(wizard, view=close["views"][0][0]) as form:
            form.signed_by = "Mario Rossi"
            form.signature = SIGNATURE_PNG
        # one step: the report is sent, no composer to confirm
        self.assertEqual(
            wizard.action_done_and_send(), {"type": "ir.actions.act_window_close"}
        )
        self.assertEqual(job.state, "done")
        self.assertTrue(
            job.message_ids.filtered(
                lambda m: m.message_type == "comment" and m.attachment_ids
            ),
            "the report is sent on the job",
        )

    def test_technician_lands_on_today(self):
        action = self.env.ref("service_management.action_service_my_day")
        tech = new_test_user(
            self.env,
            login="phone_new_tech",
            groups="service_management.group_service_technician",
        )
        self.assertEqual(tech.action_id.id, action.id)
        officer = new_test_user(
            self.env,
            login="phone_new_officer",
            groups="service_management.group_service_officer",
        )
        self.assertFalse(officer.action_id, "dispatchers keep their home")
        user = new_test_user(self.env, login="phone_promoted", groups="base.group_user")
        self.assertFalse(user.action_id)
        user.group_ids += self.env.ref("service_management.group_service_technician")
        self.assertEqual(user.action_id.id, action.id)
        # a chosen home action is kept
        kept = self.env.ref("base.action_res_users")
        user2 = new_test_user(self.env, login="phone_kept", groups="base.group_user")
        user2.action_id = kept.id
        user2.group_ids += self.env.ref("service_management.group_service_technician")
        self.assertEqual(user2.action_id.id, kept.id)

    def test_today_lists_my_jobs_today_then_overdue(self):
        Job = self.env["service.intervention"]
        with freeze_time("2026-11-02 07:00:00"):
            today_late = self._intervention(
                scheduled_start=datetime(2026, 11, 2, 15, 0)
            )
            overdue = self._intervention(scheduled_start=datetime(2026, 10, 28, 9, 0))
            tomorrow = self._intervention(scheduled_start=datetime(2026, 11, 3, 9, 0))
            old_open = self._intervention(scheduled_start=datetime(2026, 10, 20, 9, 0))
            old_open.action_start()
            action = self.env.ref("service_management.action_service_my_day")
            search = self.env.ref(
                "service_management.service_intervention_view_search_my_day"
            )
            filters = {
                node.get("name"): node.get("domain")
                for node in etree.fromstring(search.arch).iter("filter")
            }
            uid = self.tech_user.id
            domain = self._eval_filter(action.domain, uid=uid) + self._eval_filter(
                filters["today"]
            )
            kanban = self.env.ref(
                "service_management.service_intervention_view_kanban_my_day"
            )
            order = etree.fromstring(kanban.arch).get("default_order")
            found = Job.with_user(self.tech_user).search(domain, order=order)
            self.assertEqual(
                list(found), [self.job, today_late, old_open, overdue], "today first"
            )
            next_days = Job.with_user(self.tech_user).search(
                self._eval_filter(action.domain, uid=uid)
                + self._eval_filter(filters["next_days"]),
                order=order,
            )
            self.assertEqual(list(next_days), [tomorrow])
            card = Job.with_user(self.tech_user).browse(self.job.id)
            self.assertEqual(card.schedule_label, "09:00")
            self.assertEqual(overdue.with_user(self.tech_user).day_rank, 1)

    def test_card_time_in_the_users_language_and_time_zone(self):
        """The card's "when" is written as the web client writes a date: in
        the user's language and time zone, without seconds."""
        self.env["res.lang"]._activate_lang("it_IT")
        Job = self.env["service.intervention"]
        with freeze_time("2026-12-06 07:00:00"):
            later = self._intervention(scheduled_start=datetime(2026, 12, 7, 7, 0))
            today = self._intervention(scheduled_start=datetime(2026, 12, 6, 14, 30))
            rome = Job.with_context(lang="it_IT", tz="Europe/Rome")
            self.assertEqual(rome.browse(later.id).schedule_label, "07/12/2026 08:00")
            self.assertEqual(rome.browse(today.id).schedule_label, "15:30")
            english = Job.with_context(lang="en_US", tz="UTC")
            self.assertEqual(
                english.browse(later.id).schedule_label, "12/07/2026 07:00"
            )

    def test_technicians_create_and_cancel_no_job(self):
        """The jobs' views show "New" and "Cancel" to the dispatchers only."""
        Job = self.env["service.intervention"]
        for user, dispatcher in ((self.tech_user, False), (self.user_officer, True)):
            views = Job.with_user(user).get_views(
                [(False, "form"), (False, "list"), (False, "kanban")]
            )["views"]
            for view_type in ("list", "kanban"):
                arch = etree.fromstring(views[view_type]["arch"])
                self.assertEqual(arch.get("create") != "0", dispatcher, view_type)
            arch = etree.fromstring(views["form"]["arch"])
            self.assertEqual(arch.get("create") != "0", dispatcher, user.login)
            self.assertEqual(
                bool(arch.xpath("//header/button[@name='action_cancel']")),
                dispatcher,
                user.login,
            )

    @staticmethod
    def _eval_filter(domain, today=None, uid=0):
        """A filter's domain as the web client evaluates it (UTC user)."""
        today = today or date.today()
        expression = re.sub(r"\.to_utc\(\)", "", domain)
        return safe_eval(
            expression,
            {
                "datetime": safe_datetime,
                "context_today": lambda: today,
                "relativedelta": relativedelta,
                "uid": uid,
            },
        )

    def test_this_week_on_a_monday(self):
        search = self.env.ref("service_management.service_intervention_view_search")
        node = etree.fromstring(search.arch).xpath("//filter[@name='this_week']")[0]
        for today in (date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 6)):
            domain = self._eval_filter(node.get("domain"), today)
            self.assertEqual(domain[0][2], "2026-11-30 00:00:00", today)
            self.assertEqual(domain[1][2], "2026-12-07 00:00:00", today)


@tagged("post_install", "-at_install")
class TestPhoneWorkDay(PhoneCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_officer.tz = "UTC"

    def test_day_report_complete_and_signed(self):
        self.job.write({"scheduled_start": datetime(2026, 11, 2, 8, 0)})
        with freeze_time("2026-11-02 08:05:00"):
            self.job.action_start()
        day = date(2026, 11, 2)
        self.env["service.intervention.line"].create(
            [
                {
                    "intervention_id": self.job.id,
                    "line_type": "activity",
                    "activity_type_id": self.activity_repair.id,
                    "employee_id": self.technician.id,
                    "date": day,
                    "quantity": 1.5,
                },
                {
                    "intervention_id": self.job.id,
                    "line_type": "activity",
                    "activity_type_id": self.activity_inspection.id,
                    "employee_id": self.technician.id,
                    "date": day,
                    "quantity": 0.25,
                },
                {
                    "intervention_id": self.job.id,
                    "line_type": "travel",
                    "date": day,
                    "quantity": 0.5,
                },
                {
                    "intervention_id": self.job.id,
                    "line_type": "mileage",
                    "date": day,
                    "quantity": 42.0,
                },
                {
                    "intervention_id": self.job.id,
                    "line_type": "part",
                    "product_id": self.product_part.id,
                    "date": day,
                    "quantity": 2.0,
                },
                {
                    "intervention_id": self.job.id,
                    "line_type": "expense",
                    "name": "Parking",
                    "date": day,
                    "quantity": 1.0,
                    "price_unit": 3.0,
                },
            ]
        )
        with freeze_time("2026-11-02 10:35:00"):
            self.job.action_done()
        # the technician signs the day on the phone
        with freeze_time("2026-11-02 18:00:00"):
            action = (
                self.env["service.work.day"]
                .with_user(self.tech_user)
                .action_open_my_day()
            )
            work_day = self.env["service.work.day"].browse(action["res_id"])
            with Form(work_day.with_user(self.tech_user)) as form:
                form.signature = SIGNATURE_PNG
        self.assertEqual(work_day.employee_id, self.technician)
        self.assertEqual(work_day.date, day)
        self.assertTrue(work_day.signed_on)
        self.assertEqual(work_day.hours, 1.75)
        # a colleague's signed day is not theirs to read
        self.assertFalse(
            self.env["service.work.day"].with_user(self.helper_user).search([])
        )
        lines = self.job.line_ids.filtered(lambda line: line.line_type == "activity")
        for user in (self.tech_user, self.user_officer):
            html, __ = (
                self.env["ir.actions.report"]
                .with_user(user)
                ._render_qweb_html(
                    "service_management.action_report_service_work", lines.ids
                )
            )
            html = html.decode()
            self.assertEqual(html.count("o_service_work_page"), 1)
            self.assertIn("08:05", html, "start time of the job")
            self.assertIn("Repair", html)
            self.assertIn("Inspection", html, "hours named after the activity type")
            self.assertIn("10:35", html, "end time of the job")
            self.assertIn("01:45", html, "total hours of the day")
            self.assertIn("00:30", html, "travel")
            self.assertIn("42.0", html, "km")
            self.assertIn("Nozzle (test)", html, "parts")
            self.assertIn("Parking", html, "expenses")
            self.assertIn("o_service_work_day_signature", html)


@tagged("post_install", "-at_install")
class TestPhoneBatching(PhoneCommon):
    CARD_FIELDS = (
        "timer_state",
        "timer_hours",
        "day_rank",
        "schedule_label",
        "site_address",
        "site_phone",
        "objects_label",
        "map_url",
    )

    def _card_queries(self, jobs):
        jobs = jobs.with_user(self.tech_user)
        jobs.invalidate_model()
        before = self.env.cr.sql_log_count
        jobs.read(self.CARD_FIELDS)
        return self.env.cr.sql_log_count - before

    def test_today_cards_read_in_constant_queries(self):
        """Today's cards cost the same queries for 2 jobs as for 6."""
        jobs = self.job | self._intervention()
        self._card_queries(jobs)  # caches of access rights and rules
        few = self._card_queries(jobs)
        for __ in range(4):
            jobs |= self._intervention()
        self._card_queries(jobs)
        self.assertEqual(self._card_queries(jobs), few)


@tagged("post_install", "-at_install")
class TestPhoneDialogs(PhoneCommon):
    def test_travel_dialog_switches_to_kilometres(self):
        action = self.job.with_user(self.tech_user).action_add_travel()
        Line = (
            self.env["service.intervention.line"]
            .with_user(self.tech_user)
            .with_context(**action["context"])
        )
        form = Form(Line, view=action["views"][0][0])
        self.assertEqual(form.travel_kind, "travel")
        self.assertEqual(form.product_id, self.travel_product)
        form.travel_kind = "mileage"
        self.assertEqual(form.product_id, self.mileage_product)
        self.assertEqual(form.quantity, 42.0, "the customer's distance")
        line = form.save()
        self.assertEqual(line.line_type, "mileage")

    def test_hours_line_named_after_its_activity(self):
        action = self.job.with_user(self.tech_user).action_add_hours()
        Line = (
            self.env["service.intervention.line"]
            .with_user(self.tech_user)
            .with_context(**action["context"])
        )
        form = Form(Line, view=action["views"][0][0])
        form.activity_type_id = self.activity_repair
        line = form.save()
        self.assertEqual(line.name, "Repair", "never just 'Activity'")
        self.assertEqual(line.employee_id, self.technician)

    def test_helper_records_their_own_hours(self):
        action = self.job.with_user(self.helper_user).action_add_hours()
        Line = (
            self.env["service.intervention.line"]
            .with_user(self.helper_user)
            .with_context(**action["context"])
        )
        form = Form(Line, view=action["views"][0][0])
        form.activity_type_id = self.activity_repair
        self.assertEqual(form.save().employee_id, self.technician_2)
