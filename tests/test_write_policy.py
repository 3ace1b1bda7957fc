# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every field has an owner (issue 23).

For every role and every model of the add-on (and every field the add-on
adds to a standard model), write every stored field with a plausible value,
as that role over RPC would, and check that the write goes through exactly
where the write policy (``service.write.policy.mixin``) says: refused where
the role may not write the field, never refused by the policy where it may.
A field without a decision fails the test.

Then open every view of every window action in each role's menus of the
add-on, as the web client loads it, and fail on any error.
"""

import base64
from datetime import date, datetime

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval
from odoo.tools.translate import code_translations

from ..models.service_write_policy_mixin import ADDON, ServiceWritePolicyError
from .test_role_views import GROUPED_VIEW_TYPES, TestRoleViews

GIF = base64.b64encode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
MAGIC = {"id", "create_uid", "create_date", "write_uid", "write_date", "display_name"}
# no other value to try (or moving the record to another company, which the
# multi-company rules and checks refuse whatever the field's owner)
SKIP = object()


class _Rollback(Exception):
    """Undo a write that went through, to try the next one on the same data."""


# Writes the policy allows that a check of the data refuses on the test's
# records, with the reason. A new refusal, or one that went away, fails the
# test: decide it here.
REFUSED_BY_DATA = sorted(
    # the terms of a running contract change with a reason (Change Terms),
    # its fees with Update Prices, its dates not over invoiced days
    [
        ("service.contract", name)
        for name in (
            "billing_method",
            "date_end",
            "date_start",
            "fiscal_position_id",
            "line_ids",
            "next_invoice_date",
            "recurring_interval_number",
            "recurring_interval_type",
            "recurring_invoicing_mode",
        )
    ]
    + [
        ("service.contract.line", name)
        for name in (
            "contract_id",
            "discount",
            "name",
            "price_unit",
            "product_id",
            "quantity",
            "sequence",
            "tax_ids",
            "uom_id",
        )
    ]
    # the object of a job is a serial installed at the job's customer
    + [("service.intervention.object", "lot_id")]
)


def policy_models(env):
    """The concrete models holding fields of the add-on."""
    names = []
    for name in sorted(env.registry):
        Model = env[name]
        if Model._abstract:
            continue
        if addon_stored_fields(Model):
            names.append(name)
    return names


def addon_stored_fields(Model):
    return [
        field
        for name, field in sorted(Model._fields.items())
        if field.store
        and not field.inherited
        and name not in MAGIC
        and ADDON in field._modules
    ]


@tagged("post_install", "-at_install")
class TestWritePolicy(TestRoleViews):
    """The roles and records of the role views test, written field by field."""

    # the screens of TestRoleViews are checked there, not once more here
    test_every_view_and_report_is_specified = None
    test_roles_open_their_screens = None
    test_roles_print_their_reports = None
    test_write_access = None
    test_portal_reads_own_documents = None
    test_portal_never_reads_internal_notes_and_costs = None
    test_service_staff_create_interventions_from_the_form = None
    test_salesman_sells_a_contract = None
    test_two_company_user_never_gets_another_company_contract = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users["other_company"] = new_test_user(
            cls.env,
            login="wp_other_company",
            groups="service_management.group_service_officer",
            name="WP other company",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.users["technician_shared"] = cls.users["technician"]
        Timer = cls.env["service.intervention.timer"].sudo()
        cls.timer_own = Timer.create(
            {
                "intervention_id": cls.job_own.id,
                "user_id": cls.user_technician.id,
                "date_running": datetime(2026, 11, 2, 9, 0),
            }
        )
        cls.timer_shared = Timer.create(
            {
                "intervention_id": cls.job_shared.id,
                "user_id": cls.user_technician.id,
                "elapsed": 1.0,
            }
        )

    # ------------------------------------------------------------------
    # The records each role writes
    # ------------------------------------------------------------------
    def _record_for(self, role, model):
        job = self.job_shared if role == "technician_shared" else self.job_own
        contract = self.sold_contract if role == "salesman" else self.contract
        records = {
            "service.intervention": job,
            "service.intervention.line": job.line_ids[:1],
            "service.intervention.object": job.object_ids[:1],
            "service.intervention.timer": (
                self.timer_shared if role == "technician_shared" else self.timer_own
            ),
            "service.work.day": self.records["work_day_mine"],
            "service.contract": contract,
            "service.contract.line": contract.line_ids[:1],
            "service.activity.type": self.activity_inspection,
            "service.protocol": self.protocol,
            "service.protocol.step": self.protocol.step_ids[:1],
            "service.protocol.launch.batch": self.records["launch_batch"],
            "stock.lot": self.boiler_lot,
            "res.partner": self.customer,
            "product.template": self.boiler.product_tmpl_id,
            "res.company": self.company,
            "account.move": self.work_invoice,
            "account.move.line": self.work_invoice.invoice_line_ids[:1],
            "sale.order": self.sale_order,
            "stock.move": self.job_done.line_ids.stock_move_id[:1],
            "hr.employee": self.technician,
        }
        return records.get(model)

    def _plausible(self, record, field):
        """A value different from the current one that a user could send."""
        current = record.sudo()[field.name]
        kind = field.type
        if field.name == "company_id":
            return SKIP
        if kind == "boolean":
            return not current
        if kind in ("char", "text"):
            return "Policy check"
        if kind == "html":
            return "<p>Policy check</p>"
        if kind == "integer":
            return (current or 0) + 1
        if kind in ("float", "monetary"):
            return 2.0 if current == 1.0 else 1.0
        if kind == "date":
            return date(2026, 11, 3)
        if kind == "datetime":
            return datetime(2026, 11, 3, 10, 0)
        if kind == "binary":
            return GIF
        if kind == "selection":
            values = [
                value
                for value, __ in field._description_selection(self.env)
                if value != current
            ]
            return values[0] if values else SKIP
        if kind == "many2one":
            Comodel = self.env[field.comodel_name].sudo()
            domain = [("id", "!=", current.id)]
            if "company_id" in Comodel._fields and Comodel._fields["company_id"].store:
                domain += [("company_id", "in", (False, record.sudo().company_id.id))]
            return Comodel.search(domain, limit=1).id or SKIP
        if kind == "many2many":
            if current:
                return [Command.set([])]
            other = self.env[field.comodel_name].sudo().search([], limit=1)
            return [Command.set(other.ids)]
        if kind == "one2many":
            return [Command.clear()] if current else []
        return False  # json, properties...

    def _try_write(self, record, fname, value):
        """'ok', 'policy' (refused by the write policy), 'access' (access
        rights, record rules, field groups), 'business' (a check of the
        data) or 'crash: <error>'."""
        try:
            with self.env.cr.savepoint():
                record.write({fname: value})
                record.env.flush_all()
                raise _Rollback
        except _Rollback:
            outcome = "ok"
        except ServiceWritePolicyError:
            outcome = "policy"
        except AccessError:
            outcome = "access"
        except (UserError, ValidationError):
            outcome = "business"
        except Exception as error:  # noqa: BLE001 - reported as a failure
            outcome = f"crash: {type(error).__name__}: {error}"
        self.env.invalidate_all()
        return outcome

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_every_field_has_a_decision(self):
        missing = []
        for name in policy_models(self.env):
            Model = self.env[name]
            if not hasattr(Model, "_service_field_rule"):
                missing.append(f"{name}: does not inherit service.write.policy.mixin")
                continue
            for field in addon_stored_fields(Model):
                for mode in ("create", "write"):
                    if Model._service_field_rule(field.name, mode) is None:
                        missing.append(f"{name}.{field.name} ({mode})")
        self.assertFalse(
            missing,
            "Fields without a write decision: declare them in the model's "
            "_write_policy:\n" + "\n".join(missing),
        )

    def test_each_role_writes_exactly_what_the_policy_says(self):
        failures = []
        tried = 0
        refused_by_data = set()
        for role in self.users:
            env = self._env(role)
            for model in policy_models(self.env):
                base = self._record_for(role, model)
                if not base:
                    continue
                record = base.with_env(env)
                try:
                    record.check_access("write")
                    can_write = True
                except AccessError:
                    can_write = False
                for field in addon_stored_fields(record):
                    rule = record._service_field_rule(field.name, "write")
                    may = record._service_user_may(rule)
                    value = self._plausible(base, field)
                    if value is SKIP:
                        continue
                    outcome = self._try_write(record, field.name, value)
                    tried += 1
                    where = f"{role}: {model}.{field.name} ({rule}) -> {outcome}"
                    if outcome.startswith("crash"):
                        failures.append(where)
                    elif not (may and can_write):
                        if outcome == "ok":
                            failures.append(f"{where}, expected refused")
                    elif outcome == "policy":
                        failures.append(f"{where}, expected allowed by the policy")
                    elif outcome == "business":
                        refused_by_data.add((model, field.name))
                    elif outcome == "access" and record._has_field_access(
                        field, "write"
                    ):
                        failures.append(f"{where}, expected allowed")
                    if not can_write:
                        break  # one refused field is enough for this record
        self.assertFalse(failures, "\n".join(failures))
        # every role writes the fields of the records it may write
        self.assertGreater(tried, 1000)
        # where the policy lets a role write, the write succeeds, except
        # these, refused by a check of the data that says what to do instead
        self.assertEqual(sorted(refused_by_data), REFUSED_BY_DATA)

    def test_refusal_names_the_field_in_the_user_language(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"]._load_module_terms([ADDON], ["it_IT"])
        env = self._env("technician")
        env = env(context=dict(env.context, lang="it_IT"))
        line = self.job_own.line_ids[:1].with_env(env)
        label = line._fields["price_unit"]._description_string(env)
        known = code_translations.get_python_translations(ADDON, env.lang)
        source = (
            "The field “%(field)s” of %(model)s can only be changed by: %(groups)s."
        )
        with self.assertRaisesRegex(
            ServiceWritePolicyError,
            f"Il campo “{label}”",
            msg=f"{env.lang}: {len(known)} terms, {source in known}",
        ):
            line.write({"price_unit": 0.5})
        label = line._fields["invoice_status"]._description_string(env)
        with self.assertRaisesRegex(
            ServiceWritePolicyError, f"Il campo “{label}”.*dall'applicazione"
        ):
            line.write({"invoice_status": "invoiced"})

    # ------------------------------------------------------------------
    # Every view of every action in the role's menus
    # ------------------------------------------------------------------
    def _menu_actions(self, env):
        data = self.env["ir.model.data"].search(
            [("module", "=", ADDON), ("model", "=", "ir.ui.menu")]
        )
        visible = env["ir.ui.menu"]._visible_menu_ids()
        menus = self.env["ir.ui.menu"].browse(
            [res_id for res_id in data.mapped("res_id") if res_id in visible]
        )
        actions = {}
        for menu in menus:
            action = menu.action
            if action and action._name == "ir.actions.act_window":
                actions[action.id] = action
        return list(actions.values())

    def _eval(self, env, text, default):
        try:
            return safe_eval(
                text or repr(default),
                {
                    "uid": env.uid,
                    "user": env.user,
                    "active_id": False,
                    "active_ids": [],
                    "allowed_company_ids": env.companies.ids,
                    "context_today": lambda: date.today(),
                    "datetime": datetime,
                },
            )
        except Exception:  # noqa: BLE001 - an action needing a record
            return default

    def _open_action(self, env, action):
        context = dict(env.context, **self._eval(env, action.context, {}))
        domain = self._eval(env, action.domain, [])
        env = env(context=context)
        Model = env[action.res_model]
        views = {view.view_mode: view.view_id.id for view in action.view_ids}
        if action.view_id:
            views.setdefault(action.view_id.type, action.view_id.id)
        for view_type in action.view_mode.split(","):
            view_type = "list" if view_type == "tree" else view_type
            arch, models = self._get_views(
                env, action.res_model, views.get(view_type, False), view_type
            )
            if view_type in GROUPED_VIEW_TYPES:
                groupby, aggregates = self._groupby(
                    arch, models[action.res_model]["fields"], view_type
                )
                Model.formatted_read_group(domain, groupby, aggregates)
                continue
            spec = self._view_spec(arch, models, action.res_model, view_type)
            found = Model.web_search_read(domain, spec, limit=80)["records"]
            if view_type == "form" and found:
                Model.browse(found[0]["id"]).web_read(spec)

    def test_every_view_of_every_menu_opens(self):
        failures = []
        for role in self.users:
            env = self._env(role)
            if env.user.share:
                continue  # portal users have no back-office menus
            for action in self._menu_actions(env):
                self._reset()
                try:
                    with self.env.cr.savepoint():
                        self._open_action(env, action)
                except Exception as error:  # noqa: BLE001 - reported below
                    failures.append(
                        f"{role}: {action.name} ({action.res_model}): "
                        f"{type(error).__name__}: {error}"
                    )
        self.assertFalse(failures, "\n".join(failures))
