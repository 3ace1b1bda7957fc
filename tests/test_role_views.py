# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every role opens every screen it should, the way the web client loads it.

For each role and each screen of the add-on (its own views, the standard
forms it extends, the standard screens its links lead to) the test does what
the web client does: ``get_views`` as that user, then reads the fields of the
returned arch (``web_read`` for a form, ``onchange`` for a new record,
``web_search_read`` for lists, kanbans, calendars and timelines,
``formatted_read_group`` for pivots and graphs). Reports are rendered as the
user. The expectations are the data below: a role listed under ``open`` must
open the screen on those records, a role listed under ``denied`` must get an
AccessError (or not find the records); roles not listed are not asserted.
Every view and report of the add-on must appear here.
"""

from datetime import date

from lxml import etree

from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .test_intervention import InterventionCommon

# ---------------------------------------------------------------------------
# Roles: each user has ONLY these groups
# ---------------------------------------------------------------------------
ROLES = {
    "salesman": "sales_team.group_sale_salesman",
    "accountant": "account.group_account_invoice",
    "officer": "service_management.group_service_officer",  # no billing rights
    "technician": "service_management.group_service_technician",
    "service_admin": "service_management.group_service_manager",
    "internal": "base.group_user",
    "portal": "base.group_portal",  # a contact of the customer
    "two_company": "service_management.group_service_officer",  # companies A+B
    "hr_officer": "hr.group_hr_user",  # the only one opening hr.employee forms
    "stock_user": "stock.group_stock_user",  # the standard serial form's users
}

# ---------------------------------------------------------------------------
# Records (built in setUpClass); "new" is a new record (the form's defaults)
# ---------------------------------------------------------------------------
ALL_JOBS = ("job_done", "job_own", "job_shared", "job_other")
# job_done and job_own are the technician's, job_shared is a colleague's job
# the technician also works on (technician_ids), job_other is not theirs
MY_JOBS = ("job_done", "job_own", "job_shared")
ALL_LINES = ("lines_mine", "lines_other")
INTERNAL_ROLES = (
    "salesman",
    "accountant",
    "officer",
    "technician",
    "service_admin",
    "internal",
)

# ---------------------------------------------------------------------------
# Screens. Keys: a view of the add-on (its xmlid without module; an extension
# view stands for the model's default view it extends), "module.xmlid" of a
# standard view, "model:view_type" for the model's default view, or
# "link:model" for the form a many2one link opens (get_formview_action).
# For forms the records are read; for lists, kanbans, calendars and
# timelines the "open" records must be found and the "denied" ones not.
# ---------------------------------------------------------------------------
SCREENS = {
    # Configuration: the service administrator; others read activity types
    # and protocols through the links of work lines, contracts, interventions
    "service_activity_type_view_list": {
        "open": {"service_admin": ("activity_type",)},
        "denied": {"internal": ("activity_type",)},
    },
    "service_activity_type_view_form": {
        "open": {
            "service_admin": ("activity_type", "new"),
            "officer": ("activity_type",),
            "technician": ("activity_type",),
        },
        "denied": {"internal": ("activity_type",)},
    },
    "service_activity_type_view_search": {"open": {"service_admin": ()}},
    "service_protocol_view_list": {
        "open": {"service_admin": ("protocol",)},
        "denied": {"internal": ("protocol",)},
    },
    "service_protocol_view_form": {
        "open": {
            "service_admin": ("protocol", "new"),
            "officer": ("protocol",),
            "technician": ("protocol",),
            "accountant": ("protocol",),
        },
        "denied": {"internal": ("protocol",)},
    },
    "service_protocol_view_search": {"open": {"service_admin": ()}},
    # Contracts: service staff, technicians (read-only), accountants, salesmen
    "service_contract_view_list": {
        "open": {
            "officer": ("contract",),
            "service_admin": ("contract",),
            "two_company": ("contract",),
            "technician": ("contract",),
            "accountant": ("contract",),
            "salesman": ("contract", "sold_contract"),
        },
        "denied": {"internal": ("contract",)},
    },
    "service_contract_view_form": {
        "open": {
            "officer": ("contract", "sold_contract", "new"),
            "service_admin": ("contract", "new"),
            "two_company": ("contract",),
            "technician": ("contract",),
            "accountant": ("contract",),
            "salesman": ("contract", "sold_contract", "new"),
        },
        "denied": {"internal": ("contract",)},
    },
    # prepaid hours and response times: the contract form's extension
    "service_contract_view_form_allowance": {
        "open": {
            "officer": ("contract", "sold_contract", "new"),
            "service_admin": ("contract", "new"),
            "technician": ("contract",),
            "accountant": ("contract",),
            "salesman": ("contract", "sold_contract", "new"),
        },
        "denied": {"internal": ("contract",)},
    },
    "service_contract_view_kanban": {
        "open": {
            "officer": ("contract",),
            "technician": ("contract",),
            "salesman": ("contract",),
        },
    },
    "service_contract_view_calendar": {
        "open": {"officer": ("contract",), "technician": ("contract",)},
    },
    "service_contract_view_pivot": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    "service_contract_view_graph": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    "service_contract_view_search": {
        "open": {"officer": (), "technician": (), "accountant": (), "salesman": ()},
    },
    # Interventions: service staff all, technicians their own (and shared)
    # jobs, accountants read them for invoicing
    "service_intervention_view_list": {
        "open": {
            "officer": ALL_JOBS,
            "service_admin": ALL_JOBS,
            "two_company": ALL_JOBS,
            "accountant": ALL_JOBS,
            "technician": MY_JOBS,
        },
        "denied": {
            "technician": ("job_other",),
            "internal": ("job_own",),
            "salesman": ("job_own",),
        },
    },
    "service_intervention_view_form": {
        "open": {
            "officer": (*ALL_JOBS, "new"),
            "service_admin": (*ALL_JOBS, "new"),
            "two_company": ALL_JOBS,
            "accountant": ALL_JOBS,
            "technician": (*MY_JOBS, "new"),
        },
        "denied": {
            "technician": ("job_other",),
            "internal": ("job_own",),
            "salesman": ("job_own",),
        },
    },
    "service_intervention_view_form_sign": {
        "open": {"technician": ("job_done", "job_shared"), "officer": ("job_done",)},
        "denied": {"technician": ("job_other",)},
    },
    "service_intervention_view_kanban": {
        "open": {"officer": ALL_JOBS, "technician": MY_JOBS},
        "denied": {"technician": ("job_other",)},
    },
    "service_intervention_view_calendar": {
        "open": {"officer": ALL_JOBS, "technician": MY_JOBS},
        "denied": {"technician": ("job_other",)},
    },
    "service_intervention_view_timeline": {
        "open": {
            "officer": ALL_JOBS,
            "service_admin": ALL_JOBS,
            "two_company": ALL_JOBS,
        },
    },
    # the dispatcher's unplanned queue
    "service_intervention_view_list_unplanned": {
        "open": {
            "officer": ALL_JOBS,
            "service_admin": ALL_JOBS,
            "two_company": ALL_JOBS,
            "technician": MY_JOBS,
        },
        "denied": {"technician": ("job_other",), "internal": ("job_own",)},
    },
    "service_intervention_view_pivot": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    "service_intervention_view_graph": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    "service_intervention_view_search": {
        "open": {"officer": (), "technician": (), "accountant": ()},
    },
    # a technician's day on a phone: today's jobs, the job screen, the
    # short work-line dialogs, the close-out, the signed day
    "service_intervention_view_form_phone": {
        "open": {"officer": ALL_JOBS, "technician": MY_JOBS},
        "denied": {"technician": ("job_other",), "internal": ("job_own",)},
    },
    "service_intervention_close_view_form": {
        "open": {"technician": ("new",), "officer": ("new",)},
        "denied": {"internal": ("new",)},
    },
    "service_intervention_view_kanban_my_day": {
        "open": {"technician": MY_JOBS, "officer": ALL_JOBS},
        "denied": {"technician": ("job_other",)},
    },
    "service_intervention_view_search_my_day": {
        "open": {"technician": (), "officer": ()},
    },
    **{
        f"service_intervention_line_view_form_{kind}": {
            "open": {"technician": ("lines_mine",), "officer": ALL_LINES},
            "denied": {"technician": ("lines_other",), "internal": ("lines_mine",)},
        }
        for kind in ("hours", "part", "travel")
    },
    "service_work_day_view_form": {
        "open": {
            "technician": ("work_day_mine",),
            "officer": ("work_day_mine", "work_day_other"),
        },
        "denied": {"technician": ("work_day_other",), "internal": ("work_day_mine",)},
    },
    "service_work_day_view_list": {
        "open": {"officer": ("work_day_mine", "work_day_other")},
        "denied": {"technician": ("work_day_other",)},
    },
    "service_lot_register_view_form": {
        "open": {"technician": ("new",), "officer": ("new",)},
        "denied": {"internal": ("new",)},
    },
    # response-time commitments (SLA) and prepaid hours on interventions
    "service_intervention_view_form_sla": {
        "open": {
            "officer": (*ALL_JOBS, "new"),
            "accountant": ALL_JOBS,
            "technician": (*MY_JOBS, "new"),
        },
        "denied": {"technician": ("job_other",), "internal": ("job_own",)},
    },
    "service_intervention_view_list_sla": {
        "open": {"officer": ALL_JOBS, "accountant": ALL_JOBS, "technician": MY_JOBS},
        "denied": {"technician": ("job_other",), "internal": ("job_own",)},
    },
    "service_intervention_view_kanban_sla": {
        "open": {"officer": ALL_JOBS, "technician": MY_JOBS},
        "denied": {"technician": ("job_other",)},
    },
    "service_intervention_view_search_sla": {
        "open": {"officer": (), "technician": (), "accountant": ()},
    },
    "service_intervention_view_pivot_sla": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    "service_intervention_view_graph_sla": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    # Work lines: work reports (technicians see their own), work to invoice
    "service_intervention_line_view_list": {
        "open": {
            "officer": ALL_LINES,
            "service_admin": ALL_LINES,
            "accountant": ALL_LINES,
            "technician": ("lines_mine",),
        },
        "denied": {
            "technician": ("lines_other",),
            "internal": ("lines_mine",),
            "salesman": ("lines_mine",),
        },
    },
    "service_intervention_line_view_pivot": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    "service_intervention_line_view_graph": {
        "open": {"officer": (), "service_admin": (), "technician": ()},
    },
    "service_intervention_line_view_search": {
        "open": {"officer": (), "technician": (), "accountant": ()},
    },
    # Installed base
    "stock_lot_view_list": {
        "open": {
            "officer": ("lot",),
            "service_admin": ("lot",),
            "two_company": ("lot",),
            "technician": ("lot",),
        },
        "denied": {"internal": ("lot",)},
    },
    "stock_lot_view_form": {
        "open": {
            "officer": ("lot", "new"),
            "service_admin": ("lot",),
            "two_company": ("lot",),
            "technician": ("lot",),
        },
        "denied": {"internal": ("lot",)},
    },
    "stock_lot_view_kanban": {
        "open": {"officer": ("lot",), "technician": ("lot",)},
        "denied": {"internal": ("lot",)},
    },
    "stock_lot_view_search": {"open": {"officer": (), "technician": ()}},
    # Workload of technicians: dispatchers only
    "service_workload_report_view_pivot": {
        "open": {"officer": (), "service_admin": (), "two_company": ()},
        "denied": {"technician": ("new",), "internal": ("new",)},
    },
    "service_workload_report_view_graph": {
        "open": {"officer": (), "service_admin": ()},
        "denied": {"technician": ("new",)},
    },
    "service_workload_report_view_list": {
        "open": {"officer": (), "service_admin": ()},
        "denied": {"technician": ("new",), "internal": ("new",)},
    },
    "service_workload_report_view_search": {"open": {"officer": ()}},
    # Wizards
    "service_invoice_wizard_view_form": {
        "open": {
            "accountant": ("new",),
            "officer": ("new",),
            "service_admin": ("new",),
        },
        "denied": {
            "technician": ("new",),
            "internal": ("new",),
            "salesman": ("new",),
        },
    },
    "service_intervention_plan_view_form": {
        "open": {"officer": ("new",), "service_admin": ("new",)},
        "denied": {"technician": ("new",), "internal": ("new",)},
    },
    "service_route_optimize_view_form": {
        "open": {"officer": ("new",), "service_admin": ("new",)},
        "denied": {"technician": ("new",), "internal": ("new",)},
    },
    "service_installed_base_backfill_view_form": {
        "open": {"officer": ("new",), "service_admin": ("new",)},
        "denied": {"technician": ("new",), "internal": ("new",)},
    },
    # Practices: officers launch protocols and follow the launches
    "service_protocol_launch_view_form": {
        "open": {"officer": ("new",), "service_admin": ("new",)},
        "denied": {"technician": ("new",), "internal": ("new",)},
    },
    "service_preventive_preview_view_form": {
        "open": {"officer": ("new",), "service_admin": ("new",)},
        "denied": {"technician": ("new",), "internal": ("new",)},
    },
    "service_protocol_launch_batch_view_list": {
        "open": {
            "officer": ("launch_batch",),
            "service_admin": ("launch_batch",),
            "two_company": ("launch_batch",),
        },
        "denied": {"internal": ("launch_batch",)},
    },
    "service_protocol_launch_batch_view_form": {
        "open": {
            "officer": ("launch_batch",),
            "service_admin": ("launch_batch",),
            "technician": ("launch_batch",),
        },
        "denied": {"internal": ("launch_batch",), "accountant": ("launch_batch",)},
    },
    "service_protocol_launch_batch_view_search": {
        "open": {"officer": (), "service_admin": ()},
    },
    # Standard forms the add-on extends (the model's default form)
    "account_move_view_form": {
        "open": {
            "salesman": ("work_invoice", "contract_invoice"),
            "accountant": ("work_invoice", "contract_invoice"),
        },
        # no billing rights: no invoice
        "denied": {
            "officer": ("work_invoice",),
            "technician": ("work_invoice",),
            "internal": ("contract_invoice",),
        },
    },
    "hr_employee_view_form": {"open": {"hr_officer": ("employee", "colleague")}},
    "product_template_view_form": {
        "open": {role: ("product",) for role in INTERNAL_ROLES},
    },
    "res_partner_view_form": {
        "open": {role: ("customer",) for role in (*INTERNAL_ROLES, "two_company")},
    },
    "sale_order_view_form": {
        "open": {"salesman": ("sale_order",)},
        "denied": {"internal": ("sale_order",), "technician": ("sale_order",)},
    },
    # the standard serial form is the inventory users' (service staff reach
    # serials through "link:stock.lot" below)
    "view_production_lot_form_inherit_service": {
        "open": {"stock_user": ("lot",)},
        "denied": {"internal": ("lot",)},
    },
    # inventory users see which intervention a spare part went to
    "stock_move_view_list": {
        "open": {"stock_user": ("part_move",)},
        "denied": {"technician": ("part_move",), "internal": ("part_move",)},
    },
    "stock_move_view_form": {
        "open": {"stock_user": ("part_move",)},
        "denied": {"technician": ("part_move",)},
    },
    "stock_move_view_search": {"open": {"stock_user": ()}},
    # Profitability: officers and billing users; nobody else reads revenue,
    # cost and margin
    "service_profitability_report_view_pivot": {
        "open": {
            "officer": (),
            "service_admin": (),
            "accountant": (),
            "two_company": (),
        },
        "denied": {
            "technician": ("profit_rows",),
            "salesman": ("profit_rows",),
            "internal": ("profit_rows",),
        },
    },
    "service_profitability_report_view_graph": {
        "open": {"officer": (), "accountant": ()},
        "denied": {"technician": ("profit_rows",), "salesman": ("profit_rows",)},
    },
    "service_profitability_report_view_list": {
        "open": {
            "officer": ("profit_rows",),
            "service_admin": ("profit_rows",),
            "accountant": ("profit_rows",),
            "two_company": ("profit_rows",),
        },
        "denied": {
            "technician": ("profit_rows",),
            "salesman": ("profit_rows",),
            "internal": ("profit_rows",),
        },
    },
    "service_profitability_report_view_search": {
        "open": {"officer": (), "accountant": ()},
    },
    # the Settings need Settings rights (base.group_system): no role here
    "res_config_settings_view_form": {},
    # The forms the web client opens from a many2one link of the add-on's
    # screens ("link:model": the view of get_formview_action as the user):
    # serials of interventions and contracts, technicians (the public
    # employee profile for non-HR users), customers, spare parts
    "link:stock.lot": {
        "open": {
            "technician": ("lot",),
            "officer": ("lot",),
            "service_admin": ("lot",),
            "two_company": ("lot",),
            "accountant": ("lot",),
        },
    },
    "link:hr.employee": {
        "open": {
            role: ("employee", "colleague") for role in (*INTERNAL_ROLES, "two_company")
        },
    },
    "link:res.partner": {
        "open": {"technician": ("customer",), "officer": ("customer",)},
    },
    "link:product.product": {
        "open": {"technician": ("part",), "officer": ("part",)},
    },
    # Standard screens of the add-on's actions (Service > Customers)
    "res.partner:list": {
        "open": {"officer": ("customer",), "salesman": ("customer",)},
    },
    "res.partner:kanban": {"open": {"officer": ("customer",)}},
}

# ---------------------------------------------------------------------------
# Reports of the add-on
# ---------------------------------------------------------------------------
REPORTS = {
    "action_report_service_contract": {
        "open": {
            "officer": ("contract",),
            "service_admin": ("contract",),
            "technician": ("contract",),
            "accountant": ("contract",),
            "salesman": ("contract",),
        },
        "denied": {"internal": ("contract",)},
    },
    "action_report_service_intervention": {
        "open": {
            "officer": ALL_JOBS,
            "service_admin": ("job_done",),
            "technician": MY_JOBS,
            "accountant": ("job_done",),
        },
        "denied": {
            "technician": ("job_other",),
            "internal": ("job_done",),
            "salesman": ("job_done",),
        },
    },
    "action_report_service_work": {
        "open": {
            "officer": ALL_LINES,
            "service_admin": ("lines_mine",),
            "technician": ("lines_mine",),
        },
        "denied": {"technician": ("lines_other",), "internal": ("lines_mine",)},
    },
}

# ---------------------------------------------------------------------------
# Write access: (record, roles that may edit it, roles that may not)
# ---------------------------------------------------------------------------
WRITE_ACCESS = [
    ("activity_type", ("service_admin",), ("officer", "technician", "accountant")),
    ("protocol", ("service_admin",), ("officer", "technician", "accountant")),
    # a salesperson works on his own contracts only (issue 23)
    (
        "contract",
        ("officer", "service_admin"),
        ("technician", "accountant", "salesman"),
    ),
    ("sold_contract", ("officer", "salesman"), ("technician", "accountant")),
    ("job_own", ("officer", "technician"), ("accountant",)),
    ("job_other", ("officer",), ("technician",)),
]

# technicians never see costs and margins (absent from every view they get)
TECHNICIAN_HIDDEN_FIELDS = (
    "cost_subtotal",
    "margin",
    "unit_cost",
    "cost_per_hour",
    "cost_total",
    "service_revenue",
    "service_cost",
    "service_margin",
)
# buttons opening or creating invoices: only for users who can read invoices
INVOICE_BUTTONS = ("action_view_invoices", "action_create_invoice")
# portal customers never read these over RPC
PORTAL_HIDDEN_FIELDS = {
    "contract": ("note",),
    "job_done": ("note", "cost_total"),
    "lines_mine": ("cost_subtotal", "margin", "unit_cost"),
    "lot": ("service_note",),
}
# portal customers read their own documents
PORTAL_READABLE = {
    "contract": ("name", "state", "date_start"),
    "job_done": ("name", "state", "amount_total"),
    "lines_mine": ("name", "quantity", "price_subtotal"),
    "lot": ("name", "warranty_end_date"),
}

SUBVIEW_TAGS = ("list", "form", "kanban")
SEARCHED_VIEW_TYPES = ("list", "kanban", "calendar", "timeline")
GROUPED_VIEW_TYPES = ("pivot", "graph")
VIEW_DATE_ATTRIBUTES = ("date_start", "date_stop", "date_delay", "color")


@tagged("post_install", "-at_install")
class TestRoleViews(InterventionCommon):
    """Every role opens the screens it should, as the web client loads them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.other_company
        cls._create_users()
        cls._create_configuration()
        cls._create_jobs()
        cls._create_invoices_and_sale()
        cls.records = {
            "activity_type": cls.activity_inspection,
            "protocol": cls.protocol,
            "contract": cls.contract,
            "sold_contract": cls.sold_contract,
            "lot": cls.boiler_lot,
            "customer": cls.customer,
            "product": cls.boiler.product_tmpl_id,
            "part": cls.product_part,
            "employee": cls.technician,
            "colleague": cls.colleague,
            "job_done": cls.job_done,
            "job_own": cls.job_own,
            "job_shared": cls.job_shared,
            "job_other": cls.job_other,
            "lines_mine": (cls.job_done | cls.job_own | cls.job_shared).line_ids,
            "lines_other": cls.job_other.line_ids,
            "work_invoice": cls.work_invoice,
            "contract_invoice": cls.contract_invoice,
            "sale_order": cls.sale_order,
            "part_move": cls.job_done.line_ids.stock_move_id,
            "profit_rows": cls.env["service.profitability.report"].search(
                [("intervention_id", "=", cls.job_done.id)]
            ),
            "launch_batch": cls.env["service.protocol.launch.batch"].create(
                {"name": "Safety rule 2026", "protocol_id": cls.protocol.id}
            ),
            "work_day_mine": cls.env["service.work.day"].create(
                {"employee_id": cls.technician.id, "date": date(2026, 11, 2)}
            ),
            "work_day_other": cls.env["service.work.day"].create(
                {"employee_id": cls.colleague.id, "date": date(2026, 11, 2)}
            ),
        }

    @classmethod
    def _create_users(cls):
        cls.colleague_user = new_test_user(
            cls.env,
            login="rv_colleague",
            groups=ROLES["technician"],
            name="Carla Colleague",
        )
        cls.colleague = cls.env["hr.employee"].create(
            {
                "name": "Carla Colleague",
                "user_id": cls.colleague_user.id,
                "hourly_cost": 31.0,
            }
        )
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Anna Acme",
                "parent_id": cls.customer.id,
                "email": "anna@acme.example.com",
            }
        )
        users = {
            "technician": cls.user_technician,
            "officer": cls.user_officer,
            "service_admin": cls.user_manager,
        }
        for role, groups in ROLES.items():
            if role in users:
                continue
            values = {}
            if role == "portal":
                values["partner_id"] = cls.contact.id
            if role == "two_company":
                values.update(
                    company_id=cls.company_b.id,
                    company_ids=[Command.set((cls.company | cls.company_b).ids)],
                )
            users[role] = new_test_user(
                cls.env, login=f"rv_{role}", groups=groups, name=f"RV {role}", **values
            )
        cls.users = users

    @classmethod
    def _create_configuration(cls):
        cls.protocol = cls.env["service.protocol"].create(
            {
                "name": "Yearly boiler check (roles)",
                "code": "RV-YEAR",
                "trigger": "periodic",
                "interval_number": 12,
                "interval_type": "month",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Inspect the burner",
                            "activity_type_id": cls.activity_inspection.id,
                            "planned_hours": 1.0,
                            "product_id": cls.product_part.id,
                            "product_qty": 1.0,
                        }
                    )
                ],
            }
        )
        # the running maintenance contract covers the serial and plans it
        cls.contract.protocol_ids = [Command.link(cls.protocol.id)]
        cls.contract.note = "<p>Key at the caretaker's</p>"
        cls.boiler_lot.service_note = "<p>Boiler room code 1234</p>"

    @classmethod
    def _create_jobs(cls):
        activity = {"line_type": "activity", "activity_type_id": cls.activity_repair.id}
        cls.job_done = cls._intervention(
            note="<p>Customer is touchy about prices</p>",
            line_ids=[
                Command.create(dict(activity, quantity=2, date=date(2026, 11, 2))),
                Command.create(
                    {
                        "line_type": "part",
                        "product_id": cls.product_part.id,
                        "quantity": 2,
                        "date": date(2026, 11, 2),
                    }
                ),
                Command.create({"line_type": "travel", "date": date(2026, 11, 2)}),
            ],
        )
        cls.job_done.line_ids.object_id = cls.job_done.object_ids[:1]
        cls.job_done.action_start()
        cls.job_done.action_done()
        cls.job_own = cls._intervention(line_ids=[Command.create(activity)])
        cls.job_shared = cls._intervention(
            technician_id=cls.colleague.id,
            technician_ids=[Command.set(cls.technician.ids)],
            line_ids=[Command.create(activity)],
        )
        cls.job_other = cls._intervention(
            technician_id=cls.colleague.id, line_ids=[Command.create(activity)]
        )

    @classmethod
    def _create_invoices_and_sale(cls):
        salesman = cls.users["salesman"]
        invoicing = cls.env["service.invoicing"]
        cls.work_invoice = invoicing._invoice_work(
            date=date(2026, 11, 30), interventions=cls.job_done, post=False
        )
        cls.contract_invoice = invoicing._invoice_contracts(
            date=date(2025, 1, 15), contracts=cls.contract, post=False
        )
        invoices = cls.work_invoice | cls.contract_invoice
        assert len(invoices) == 2, "a work invoice and a contract invoice expected"
        # salesmen see the invoices of their customers they are responsible for
        invoices.invoice_user_id = salesman
        invoices.action_post()
        cls.plan_product = cls.env["product.product"].create(
            {
                "name": "Boiler care plan (roles)",
                "company_id": cls.company.id,
                "type": "service",
                "list_price": 240.0,
                "service_contract_product": True,
                "service_contract_type": "maintenance",
                "service_billing_method": "flat_rate",
                "service_recurring_interval_number": 12,
                "service_recurring_interval_type": "month",
                "service_contract_duration_months": 12,
                "service_protocol_id": cls.protocol.id,
            }
        )
        cls.sale_order = cls._sale_order(cls.env, salesman)
        cls.sale_order.action_confirm()
        cls.sold_contract = cls.sale_order.service_contract_ids
        assert cls.sold_contract, "the sale of a contract product makes a contract"

    @classmethod
    def _sale_order(cls, env, salesman):
        return env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "partner_shipping_id": cls.customer_site.id,
                "user_id": salesman.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.plan_product.id, "product_uom_qty": 1}
                    )
                ],
            }
        )

    # ------------------------------------------------------------------
    # Helpers: load a screen the way the web client does
    # ------------------------------------------------------------------
    def _env(self, role):
        user = self.users[role]
        companies = user.company_id | user.company_ids
        return self.env(
            user=user, context=dict(self.env.context, allowed_company_ids=companies.ids)
        )

    def _reset(self):
        """Nothing read by a previous role or by the set-up stays in cache."""
        self.env.flush_all()
        self.env.invalidate_all()

    def _screen(self, key, env=None, record_keys=()):
        """(model, view id or False, view type, label) of a screen key."""
        if key.startswith("link:"):
            model = key.split(":")[1]
            record = env[model].browse(self.records[record_keys[0]].ids[:1])
            action = record.get_formview_action()
            view_id = (action.get("views") or [(action.get("view_id"), "form")])[0][0]
            xmlid = self.env["ir.ui.view"].browse(view_id).get_external_id()
            label = (
                f"{model} link: {action['res_model']} form "
                f"{xmlid.get(view_id) or view_id or 'default'}"
            )
            return action["res_model"], view_id or False, "form", label
        if ":" in key:
            model, view_type = key.split(":")
            return model, False, view_type, f"{model} default {view_type}"
        xmlid = key if "." in key else f"service_management.{key}"
        view = self.env.ref(xmlid)
        if view.mode == "primary":
            return view.model, view.id, view.type, f"{view.model} {view.type} {xmlid}"
        root = view
        while root.inherit_id and root.mode == "extension":
            root = root.inherit_id
        label = f"{view.model} default {root.type} (extended by {xmlid})"
        return view.model, False, root.type, label

    @staticmethod
    def _field_nodes(root):
        """The <field> nodes of this (sub)view, not those of its sub-views."""
        level = int(root.xpath("count(ancestor::field)"))
        return root.xpath(f".//field[count(ancestor::field) = {level}]")

    @classmethod
    def _merge(cls, spec, other):
        for name, value in other.items():
            current = spec.setdefault(name, {})
            if "fields" in value:
                cls._merge(current.setdefault("fields", {}), value["fields"])

    @classmethod
    def _spec(cls, root, model, models):
        """The web_read specification of a (sub)view, as the web client
        builds it: every field of the arch, many2ones with their display
        name, x2manys with the fields of their sub-views."""
        fields_info = models.get(model, {}).get("fields", {})
        spec = {}
        for node in cls._field_nodes(root):
            name = node.get("name")
            info = fields_info.get(name)
            if not info:
                continue
            invisible = node.get("invisible") in ("1", "True")
            field_spec = spec.setdefault(name, {})
            if info["type"] in ("many2one", "reference"):
                field_spec.setdefault("fields", {})
                if not invisible:
                    field_spec["fields"]["display_name"] = {}
            elif info["type"] in ("one2many", "many2many") and not invisible:
                sub_spec = field_spec.setdefault("fields", {})
                subviews = [child for child in node if child.tag in SUBVIEW_TAGS]
                for subview in subviews:
                    cls._merge(sub_spec, cls._spec(subview, info["relation"], models))
                if not subviews:  # tags and avatars widgets
                    sub_spec["display_name"] = {}
        return spec

    @staticmethod
    def _groupby(arch, fields_info, view_type):
        """The groupbys and aggregates a pivot or graph view asks for."""
        groupby, aggregates = [], ["__count"]
        for node in arch.xpath("./field"):
            name = node.get("name")
            info = fields_info.get(name)
            if not info:
                continue
            if node.get("type") == "measure":
                aggregates.append(f"{name}:{info.get('aggregator') or 'sum'}")
            elif view_type == "graph" or node.get("type") in ("row", "col"):
                interval = node.get("interval")
                if not interval and info["type"] in ("date", "datetime"):
                    interval = "month"
                groupby.append(f"{name}:{interval}" if interval else name)
        return groupby, aggregates

    def _get_views(self, env, model, view_id, view_type):
        result = env[model].get_views([(view_id, view_type)], {"toolbar": True})
        arch = etree.fromstring(result["views"][view_type]["arch"])
        return arch, result["models"]

    def _ids(self, record_keys):
        return [
            record_id
            for key in record_keys
            if key != "new"
            for record_id in self.records[key].ids
        ]

    def _view_spec(self, arch, models, model, view_type):
        spec = self._spec(arch, model, models)
        fields_info = models[model]["fields"]
        if view_type == "form":
            spec.setdefault("display_name", {})
        # calendars and timelines also read their date, colour and group fields
        for attribute in (*VIEW_DATE_ATTRIBUTES, "default_group_by"):
            name = arch.get(attribute)
            if name in fields_info and name not in spec:
                many2one = fields_info[name]["type"] == "many2one"
                spec[name] = {"fields": {"display_name": {}}} if many2one else {}
        return spec

    def _read(self, Model, view_type, record_keys, spec):
        """Read what a form, list, kanban, calendar or timeline shows; return
        the ids of the records found by a searched view."""
        if view_type == "form":
            for key in record_keys:
                if key == "new":
                    Model.onchange({}, [], spec)
                else:
                    Model.browse(self.records[key].ids).web_read(spec)
            return None
        Model.web_search_read([], spec, limit=80)
        ids = self._ids(record_keys)
        found = Model.web_search_read([("id", "in", ids)], spec)["records"]
        return {record["id"] for record in found}

    def _load(self, env, screen, record_keys):
        """Open a screen as the web client does: get_views, then read what
        the view shows. Return (arch, models, ids found by a searched view)."""
        model, view_id, view_type, _label = screen
        arch, models = self._get_views(env, model, view_id, view_type)
        Model = env[model]
        if view_type == "search":
            return arch, models, None
        if view_type in GROUPED_VIEW_TYPES:
            groupby, aggregates = self._groupby(
                arch, models[model]["fields"], view_type
            )
            Model.formatted_read_group([], groupby, aggregates)
            return arch, models, None
        spec = self._view_spec(arch, models, model, view_type)
        return arch, models, self._read(Model, view_type, record_keys, spec)

    def _diagnose(self, env, screen, record_keys):
        """The fields that fail when read alone: what has to be fixed."""
        model, view_id, view_type, _label = screen
        if view_type not in ("form", *SEARCHED_VIEW_TYPES):
            return []
        try:
            arch, models = self._get_views(env, model, view_id, view_type)
        except (UserError, RedirectWarning):
            return ["get_views"]
        spec = self._view_spec(arch, models, model, view_type)
        culprits = []
        for name, field_spec in spec.items():
            if not self._fails(env[model], view_type, record_keys, {name: field_spec}):
                continue
            inner = [
                f"{name}.{subname}"
                for subname, sub_spec in field_spec.get("fields", {}).items()
                if self._fails(
                    env[model],
                    view_type,
                    record_keys,
                    {name: {"fields": {subname: sub_spec}}},
                )
            ]
            culprits += inner or [name]
        return culprits

    def _fails(self, Model, view_type, record_keys, spec):
        self._reset()
        try:
            self._read(Model, view_type, record_keys, spec)
        except (UserError, RedirectWarning):
            return True
        return False

    # ------------------------------------------------------------------
    # Checks on what a role gets
    # ------------------------------------------------------------------
    def _check_hidden(self, role, label, arch, models):
        if role == "technician":
            for name in TECHNICIAN_HIDDEN_FIELDS:
                shown = arch.xpath(f"//field[@name='{name}']") or [
                    model
                    for model, info in models.items()
                    if name in info.get("fields", {})
                ]
                with self.subTest(check="technician sees no cost", field=name):
                    self.assertFalse(
                        shown,
                        f"technician: {label} shows the cost field {name} ({shown})",
                    )
        if not self._env(role)["account.move"].browse().has_access("read"):
            for name in INVOICE_BUTTONS:
                with self.subTest(check="invoice buttons hidden", button=name):
                    self.assertFalse(
                        arch.xpath(f"//button[@name='{name}']"),
                        f"{role} cannot read invoices but {label} shows the "
                        f"button {name}",
                    )

    def _check_open(self, role, key, record_keys):
        self._reset()
        env = self._env(role)
        label, screen = key, None
        try:
            screen = self._screen(key, env, record_keys)
            label = screen[3]
            arch, models, found = self._load(env, screen, record_keys)
        except (UserError, RedirectWarning) as error:
            culprits = self._diagnose(env, screen, record_keys) if screen else []
            self.fail(
                f"{role} cannot open {label} on {record_keys}: "
                f"{type(error).__name__}: {str(error).splitlines()[0]} "
                f"[fields failing alone: {', '.join(culprits) or '-'}]"
            )
        if found is not None:
            missing = set(self._ids(record_keys)) - found
            self.assertFalse(
                missing,
                f"{role} opens {label} but does not find {record_keys} "
                f"(ids {sorted(missing)} missing)",
            )
        self._check_hidden(role, label, arch, models)

    def _check_denied(self, role, key, record_keys):
        env = self._env(role)
        screen = self._screen(key, env, record_keys)
        model, view_id, view_type, label = screen
        for record_key in record_keys:
            self._reset()
            message = f"{role} must not open {label} on {record_key}"
            if record_key == "new":
                with self.assertRaises(AccessError, msg=message):
                    env[model].browse().check_access("create")
                continue
            if view_type == "form":
                with self.assertRaises(AccessError, msg=message):
                    self._load(env, screen, (record_key,))
                continue
            try:
                __, __, found = self._load(env, screen, (record_key,))
            except AccessError:
                continue
            self.assertFalse(
                (found or set()) & set(self.records[record_key].ids),
                f"{message}: found it in the {view_type}",
            )

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_every_view_and_report_is_specified(self):
        """A new view or report of the add-on needs its line in the matrix."""
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "service_management"),
                ("model", "in", ("ir.ui.view", "ir.actions.report")),
            ]
        )
        for xmlid in data:
            record = self.env[xmlid.model].browse(xmlid.res_id)
            if xmlid.model == "ir.ui.view" and record.type == "qweb":
                continue  # report and portal templates
            with self.subTest(xmlid=xmlid.name):
                expected = SCREENS if xmlid.model == "ir.ui.view" else REPORTS
                self.assertIn(
                    xmlid.name,
                    expected,
                    f"{xmlid.model} service_management.{xmlid.name} is not in "
                    "the role matrix of test_role_views: say who opens it",
                )

    def test_roles_open_their_screens(self):
        for key, expected in SCREENS.items():
            for role, record_keys in expected.get("open", {}).items():
                with self.subTest(role=role, screen=key):
                    self._check_open(role, key, record_keys)
            for role, record_keys in expected.get("denied", {}).items():
                with self.subTest(role=role, screen=key, expect="denied"):
                    self._check_denied(role, key, record_keys)

    def test_roles_print_their_reports(self):
        Report = self.env["ir.actions.report"]
        for key, expected in REPORTS.items():
            xmlid = f"service_management.{key}"
            for role, record_keys in expected.get("open", {}).items():
                with self.subTest(role=role, report=key):
                    self._reset()
                    try:
                        Report.with_env(self._env(role))._render_qweb_html(
                            xmlid, self._ids(record_keys)
                        )
                    except (UserError, RedirectWarning) as error:
                        self.fail(
                            f"{role} cannot print {xmlid} of {record_keys}: "
                            f"{type(error).__name__}: {error}"
                        )
            for role, record_keys in expected.get("denied", {}).items():
                for record_key in record_keys:
                    with self.subTest(role=role, report=key, expect="denied"):
                        self._reset()
                        with self.assertRaises(
                            AccessError,
                            msg=f"{role} must not print {xmlid} of {record_key}",
                        ):
                            Report.with_env(self._env(role))._render_qweb_html(
                                xmlid, self.records[record_key].ids
                            )

    def test_write_access(self):
        for record_key, allowed, denied in WRITE_ACCESS:
            record = self.records[record_key]
            for role in allowed:
                with self.subTest(role=role, record=record_key, write="allowed"):
                    try:
                        record.with_env(self._env(role)).check_access("write")
                    except AccessError as error:
                        self.fail(f"{role} cannot edit {record_key}: {error}")
            for role in denied:
                with (
                    self.subTest(role=role, record=record_key, write="denied"),
                    self.assertRaises(
                        AccessError, msg=f"{role} must not edit {record_key}"
                    ),
                ):
                    record.with_env(self._env(role)).check_access("write")

    def test_portal_reads_own_documents(self):
        env = self._env("portal")
        for record_key, field_names in PORTAL_READABLE.items():
            with self.subTest(record=record_key):
                self._reset()
                try:
                    env[self.records[record_key]._name].browse(
                        self.records[record_key].ids
                    ).read(list(field_names))
                except AccessError as error:
                    self.fail(f"portal cannot read its {record_key}: {error}")

    def test_portal_never_reads_internal_notes_and_costs(self):
        env = self._env("portal")
        for record_key, field_names in PORTAL_HIDDEN_FIELDS.items():
            records = self.records[record_key]
            Model = env[records._name]
            for name in field_names:
                label = f"portal: {records._name}.{name}"
                with self.subTest(field=f"{records._name}.{name}", rpc="read"):
                    self._reset()
                    with self.assertRaises(AccessError, msg=f"{label} read"):
                        Model.browse(records.ids).read([name])
                with self.subTest(field=f"{records._name}.{name}", rpc="search_read"):
                    self._reset()
                    try:
                        rows = Model.search_read([("id", "in", records.ids)], [name])
                    except AccessError:
                        rows = []
                    self.assertFalse(
                        [row for row in rows if name in row],
                        f"{label} returned by search_read",
                    )
                if Model._fields[name].type not in ("float", "monetary", "integer"):
                    continue
                with self.subTest(field=f"{records._name}.{name}", rpc="read_group"):
                    self._reset()
                    try:
                        groups = Model.formatted_read_group(
                            [("id", "in", records.ids)], [], [f"{name}:sum"]
                        )
                    except AccessError:
                        groups = []
                    self.assertFalse(
                        [group for group in groups if f"{name}:sum" in group],
                        f"{label} summed by formatted_read_group",
                    )

    def test_service_staff_create_interventions_from_the_form(self):
        """Filling the intervention form (customer, technician, serial, work)
        works for non-HR users: technicians for themselves, officers."""
        for role, technician in (
            ("technician", self.technician),
            ("officer", self.colleague),
            ("service_admin", self.technician),
        ):
            with self.subTest(role=role), self.env.cr.savepoint():
                self._reset()
                try:
                    form = Form(self._env(role)["service.intervention"])
                    form.partner_id = self.customer
                    form.technician_id = technician
                    with form.object_ids.new() as obj:
                        obj.lot_id = self.boiler_lot
                    with form.line_ids.new() as line:
                        line.line_type = "activity"
                        line.activity_type_id = self.activity_inspection
                    intervention = form.save()
                except (UserError, RedirectWarning) as error:
                    self.fail(
                        f"{role} cannot create an intervention from the form: "
                        f"{type(error).__name__}: {error}"
                    )
                self.assertEqual(intervention.contract_id, self.contract)

    def test_salesman_sells_a_contract(self):
        """A salesman confirms a sale of a contract product whose template
        has a default protocol, then opens the contract it made."""
        env = self._env("salesman")
        screen = self._screen("service_contract_view_form", env)
        with self.env.cr.savepoint():
            try:
                order = self._sale_order(env, self.users["salesman"])
                order.action_confirm()
                contract = order.service_contract_ids
                self.assertEqual(contract.protocol_ids, self.protocol)
                self._reset()
                self.records["salesman_contract"] = contract
                self._load(env, screen, ("salesman_contract",))
            except (UserError, RedirectWarning) as error:
                self.fail(
                    "salesman cannot sell a contract and open it: "
                    f"{type(error).__name__}: {error}"
                )
            finally:
                self.records.pop("salesman_contract", None)

    def test_two_company_user_never_gets_another_company_contract(self):
        """An officer working in company B (A also allowed) creates an
        intervention for a customer with a running contract in company A:
        no error, and the contract of A is never proposed."""
        assistance_a = self.env["service.contract"].create(
            {
                "partner_id": self.customer.id,
                "contract_type": "assistance",
                "company_id": self.company.id,
            }
        )
        assistance_a.action_start()
        contracts_a = self.env["service.contract"].search(
            [("company_id", "=", self.company.id)]
        )
        user = self.users["two_company"]
        env = self.env(
            user=user,
            context=dict(
                self.env.context,
                allowed_company_ids=[self.company_b.id, self.company.id],
            ),
        )
        self.assertEqual(env.company, self.company_b)
        Intervention = env["service.intervention"]
        fields_info = Intervention.get_views([(False, "form")])["models"][
            "service.intervention"
        ]["fields"]
        domain = safe_eval(
            fields_info["contract_id"].get("domain") or "[]",
            {
                "company_id": self.company_b.id,
                "commercial_partner_id": self.customer.id,
                "allowed_company_ids": env.companies.ids,
                "context": env.context,
                "uid": user.id,
            },
        )
        with self.subTest(step="contract drop-down"):
            proposed = env["service.contract"].search(domain)
            self.assertFalse(
                proposed & contracts_a,
                f"the contract drop-down of company B proposes contracts of "
                f"company A: {proposed.mapped('name')} (domain {domain})",
            )
        with self.subTest(step="form"), self.env.cr.savepoint():
            self._reset()
            try:
                form = Form(Intervention)
                form.partner_id = self.customer
                self.assertEqual(form.company_id, self.company_b)
                self.assertNotIn(
                    form.contract_id,
                    contracts_a,
                    "the form of company B proposes a contract of company A",
                )
                intervention = form.save()
            except (UserError, RedirectWarning) as error:
                self.fail(
                    "two-company user cannot create an intervention in company "
                    f"B: {type(error).__name__}: {error}"
                )
            self.assertEqual(intervention.company_id, self.company_b)
            self.assertFalse(intervention.contract_id & contracts_a)
