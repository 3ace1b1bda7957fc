# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import format_date

from .selections import interval_delta


class ServicePlanning(models.AbstractModel):
    """Preventive planning: the periodic protocols of running contracts become
    planned interventions ahead of their due dates."""

    _name = "service.planning"
    _description = "Service Preventive Planning"

    @api.model
    def _protocol_due_dates(self, contract, protocol, date_from, date_to):
        """Due dates of ``protocol`` on ``contract`` between the two dates.

        A periodic protocol is due every interval after the contract start; a
        contract-start protocol is due once, on the start date.
        """
        if protocol.trigger == "contract_start":
            dates = [contract.date_start]
        elif protocol.trigger == "periodic" and protocol.interval_number > 0:
            step = interval_delta(protocol.interval_number, protocol.interval_type)
            dates, due = [], contract.date_start + step
            while due <= date_to:
                dates.append(due)
                due += step
        else:
            return []
        last = contract.date_end or date_to
        return [due for due in dates if date_from <= due <= min(date_to, last)]

    @api.model
    def _prepare_preventive_intervention(self, contract, protocol, due):
        categories = protocol.product_categ_ids
        lots = contract.lot_ids.filtered(
            lambda lot: (
                lot.service_state in ("installed", "in_repair")
                and (not categories or lot.product_id.categ_id in categories)
            )
        )
        return {
            "partner_id": contract.partner_id.id,
            "partner_shipping_id": contract.partner_shipping_id.id,
            "company_id": contract.company_id.id,
            "contract_id": contract.id,
            "protocol_id": protocol.id,
            "origin": "planned",
            "preventive_due_date": due,
            "user_id": contract.user_id.id,
            "description": self.env._(
                "<p>%(protocol)s due on %(date)s (contract %(contract)s).</p>",
                protocol=protocol.name,
                date=format_date(self.env, due),
                contract=contract.name,
            ),
            "object_ids": [Command.create({"lot_id": lot.id}) for lot in lots],
        }

    @api.model
    def _cron_service_preventive(self, date=None):
        """Create the preventive interventions due within each company's
        horizon, never twice for the same contract, protocol and due date.

        :return: the created interventions
        """
        today = fields.Date.to_date(date) or fields.Date.context_today(self)
        contracts = self.env["service.contract"].search(
            [
                ("state", "=", "running"),
                ("protocol_ids.trigger", "in", ("periodic", "contract_start")),
            ]
        )
        Intervention = self.env["service.intervention"]
        existing = {
            (contract.id, protocol.id, fields.Date.to_date(due))
            for contract, protocol, due in Intervention.with_context(
                active_test=False
            )._read_group(
                [
                    ("contract_id", "in", contracts.ids),
                    ("preventive_due_date", "!=", False),
                ],
                ["contract_id", "protocol_id", "preventive_due_date:day"],
            )
        }
        vals_list = []
        for contract in contracts:
            horizon = today + relativedelta(
                days=contract.company_id.service_preventive_horizon_days
            )
            for protocol in contract.protocol_ids:
                for due in self._protocol_due_dates(contract, protocol, today, horizon):
                    if (contract.id, protocol.id, due) in existing:
                        continue
                    vals_list.append(
                        self._prepare_preventive_intervention(contract, protocol, due)
                    )
        interventions = Intervention.create(vals_list)
        interventions.action_apply_protocol()
        return interventions
