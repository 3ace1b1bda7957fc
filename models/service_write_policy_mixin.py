# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may write which field: one declaration per model, enforced here.

Record rules and access rights say *which records* a user may write; this
mixin says *which fields* of them. Every model of the add-on (and every
standard model the add-on adds fields to) inherits it and declares
``_write_policy``: for each field, the groups whose users may write it, or
``SYSTEM`` for the fields only the add-on's own methods write (through
``_service_trusted()``), or ``ANYONE`` for the fields whoever may write the
record may write. ``readonly=True`` is only the screen: an RPC call sends
what it likes, so ``create`` and ``write`` check the declaration (as
``sale.order.line`` checks ``_get_protected_fields``).

Bad numbers are refused here too: NaN, infinities, integers the database
cannot hold and values out of the bounds a model declares in
``_numeric_bounds`` raise a ``ValidationError`` naming the field.
"""

import math

from odoo import api, models
from odoo.exceptions import AccessError, ValidationError

# The action methods pass this object in the context to make the writes they
# guard (state changes, protected fields of running contracts, frozen work).
# An RPC caller can only send JSON values in its context: it cannot pass it.
_TRUSTED_WRITE = object()


def trusted(records):
    """``records`` allowed to make the writes only action methods may make."""
    return records.with_context(service_trusted_write=_TRUSTED_WRITE)


def is_trusted(records):
    return records.env.context.get("service_trusted_write") is _TRUSTED_WRITE


# only the add-on's own methods write it (computed, system and audit fields)
SYSTEM = "system"
# whoever the access rights and record rules let write the record
ANYONE = "anyone"


def groups(*xmlids):
    return ",".join(xmlids)


TECHNICIAN = "service_management.group_service_technician"
OFFICER = "service_management.group_service_officer"
MANAGER = "service_management.group_service_manager"
BILLING = "account.group_account_invoice"
SALESMAN = "sales_team.group_sale_salesman"

# a contract's terms: officers, and salespeople on their own contracts
CONTRACT_TERMS = groups(OFFICER, SALESMAN)
# created by technicians (a request found on site), changed by the dispatcher
TECH_CREATES = {"create": TECHNICIAN, "write": OFFICER}

ADDON = "service_management"
INT_MAX = 2**31 - 1
# larger figures are typing mistakes or attacks; they also overflow
# monetary computations and date arithmetic
FLOAT_MAX = 1e12


class ServiceWritePolicyError(AccessError):
    """A field the user's groups may not write (kept apart from access
    rights and record rules so that tests and callers can tell them apart)."""


class ServiceWritePolicyMixin(models.AbstractModel):
    _name = "service.write.policy.mixin"
    _description = "Service Write Policy"

    # {field name: SYSTEM | ANYONE | "group.xmlid,other.xmlid"
    #              | {"create": <rule>, "write": <rule>}}
    # Each class of a model may declare some fields: the declarations of a
    # model's classes are merged (the latest class wins for one field).
    _write_policy = {}
    # rule of the add-on's fields the model does not list (None: no decision,
    # which the policy test reports; such fields are then left to the access
    # rights so that a missing declaration never blocks users)
    _write_policy_default = None
    # {field name: (minimum or None, maximum or None)}
    _numeric_bounds = {}

    # ------------------------------------------------------------------
    # The declaration
    # ------------------------------------------------------------------
    @api.model
    def _service_merged_attr(self, attr):
        cls = type(self)
        cache_name = f"_service_merged{attr}"
        if cache_name not in cls.__dict__:
            merged = {}
            for klass in reversed(cls.mro()):
                merged.update(klass.__dict__.get(attr) or {})
            setattr(cls, cache_name, merged)
        return cls.__dict__[cache_name]

    @api.model
    def _service_write_policy(self):
        return self._service_merged_attr("_write_policy")

    @api.model
    def _service_field_rule(self, fname, mode="write"):
        """The rule of field ``fname`` for ``mode`` (``create``/``write``),
        or None when the add-on defines the field without deciding."""
        rule = self._service_write_policy().get(fname)
        if rule is None:
            rule = self._service_default_rule(fname)
        if isinstance(rule, dict):
            rule = rule.get(mode)
        return rule

    @api.model
    def _service_default_rule(self, fname):
        """Anyone writes the fields of other modules; the add-on's own
        undecided fields follow the model's default."""
        field = self._fields.get(fname)
        if field is None or ADDON not in field._modules:
            return ANYONE
        return self._write_policy_default

    @api.model
    def _service_user_may(self, rule):
        if rule is None or rule == ANYONE:
            return True
        if rule == SYSTEM:
            return False
        user = self.env.user
        return any(user.has_group(xmlid) for xmlid in rule.split(","))

    def _service_policy_allows(self, fname, rule, vals, mode):
        """Hook: whether the user may write ``fname`` although ``rule``
        refuses it (e.g. a technician creating a job for himself)."""
        return False

    # ------------------------------------------------------------------
    # Enforcement
    # ------------------------------------------------------------------
    def _service_trusted(self):
        return trusted(self)

    def _service_is_trusted(self):
        return is_trusted(self)

    def _service_check_write_policy(self, vals, mode="write"):
        """Refuse the fields of ``vals`` the user may not write; return the
        values to create (a computed field the user may not set is left to
        its computation, as the web client sends what its onchange got)."""
        if self.env.su or is_trusted(self):
            return vals
        for fname in list(vals):
            rule = self._service_field_rule(fname, mode)
            if self._service_user_may(rule):
                continue
            if self._service_policy_allows(fname, rule, vals, mode):
                continue
            field = self._fields.get(fname)
            if mode == "create":
                if field is not None and field.compute and field.store:
                    vals = dict(vals)
                    del vals[fname]
                    continue
                if self._service_is_default(fname, vals[fname]):
                    continue
            elif self._service_is_unchanged(fname, vals[fname]):
                continue
            raise ServiceWritePolicyError(self._service_refusal(fname, rule))
        return vals

    def _service_is_default(self, fname, value):
        """A created record may carry the default of a field it may not set
        (the web client sends them)."""
        field = self._fields.get(fname)
        if not value:
            return True
        if field is None or not field.default:
            return False
        return value == self._service_field_default(field)

    def _service_field_default(self, field):
        """The default of ``field`` as the web client sends it."""
        cache_value = field.convert_to_cache(field.default(self), self)
        return field.convert_to_write(field.convert_to_record(cache_value, self), self)

    def _service_is_unchanged(self, fname, value):
        """Whether writing ``value`` leaves every record as it is (a form
        sends back a value its onchange recomputed to the same)."""
        field = self._fields.get(fname)
        if field is None or field.type in ("one2many", "many2many", "binary"):
            return False
        try:
            new = field.convert_to_cache(value, self)
        except (ValueError, TypeError):
            return False
        return all(
            field.convert_to_cache(record[fname], record) == new
            for record in self.sudo()
        )

    def _service_refusal(self, fname, rule):
        field = self._fields.get(fname)
        label = field._description_string(self.env) if field else fname
        model = self.env["ir.model"]._get(self._name).name or self._name
        if rule == SYSTEM:
            return self.env._(
                "The field “%(field)s” of %(model)s is set by the application "
                "itself (its buttons and computations): it cannot be written "
                "directly.",
                field=label,
                model=model,
            )
        names = []
        for xmlid in (rule or "").split(","):
            group = self.env.ref(xmlid, raise_if_not_found=False)
            if group:
                names.append(group.sudo().full_name)
        return self.env._(
            "The field “%(field)s” of %(model)s can only be changed by: %(groups)s.",
            field=label,
            model=model,
            groups=", ".join(names),
        )

    def _service_check_numbers(self, vals):
        bounds = self._service_merged_attr("_numeric_bounds")
        for fname, value in vals.items():
            field = self._fields.get(fname)
            if self._service_is_number(field, value):
                self._service_check_number(
                    field, value, bounds.get(fname, (None, None))
                )

    @api.model
    def _service_is_number(self, field, value):
        """Whether ``value`` is a number written on a numeric ``field``."""
        return (
            field is not None
            and field.type in ("float", "monetary", "integer")
            and not isinstance(value, bool)
            and isinstance(value, (int, float))
        )

    def _service_check_number(self, field, value, bounds):
        """Refuse a number that is not one (NaN, infinite), and for the
        add-on's own fields one out of range or out of ``bounds`` (low,
        high; None: no bound)."""
        label = field._description_string(self.env)
        if not math.isfinite(value):
            raise ValidationError(
                self.env._(
                    "%(field)s must be a number, not %(value)s.",
                    field=label,
                    value=str(value),
                )
            )
        if ADDON not in field._modules:
            return  # a standard field: its own module bounds it
        limit = INT_MAX if field.type == "integer" else FLOAT_MAX
        if abs(value) > limit:
            raise ValidationError(
                self.env._(
                    "%(field)s: %(value)s is not plausible (out of range).",
                    field=label,
                    value=f"{value:g}",
                )
            )
        low, high = bounds
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValidationError(
                self.env._(
                    "%(field)s must be between %(low)s and %(high)s, not %(value)s.",
                    field=label,
                    low="-∞" if low is None else f"{low:g}",
                    high="∞" if high is None else f"{high:g}",
                    value=f"{value:g}",
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        checked = []
        for vals in vals_list:
            self._service_check_numbers(vals)
            checked.append(self._service_check_write_policy(vals, "create"))
        return super().create(checked)

    def write(self, vals):
        self._service_check_numbers(vals)
        self._service_check_write_policy(vals, "write")
        return super().write(vals)
