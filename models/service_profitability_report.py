# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from .selections import CONTRACT_TYPES, COST_GROUPS
from .service_write_policy_mixin import SYSTEM

SOURCES = [
    ("contract_fee", "Contract Fees"),
    ("work", "Executed Work Invoiced"),
    ("work_cost", "Cost of Executed Work"),
]
AMOUNT_TYPES = [("revenue", "Revenue"), ("cost", "Cost")]
INVOICE_STATES = [("draft", "Draft"), ("posted", "Posted")]


class ServiceProfitabilityReport(models.Model):
    """Revenue and cost of after-sales service, one row per source:

    - ``contract_fee``: a product line of a customer invoice or credit note
      (an entry of a sales journal) of a contract
      (``account.move.line.service_contract_id``);
    - ``work``: a product line of a customer invoice or credit note billing
      executed work (``account.move.line.service_intervention_line_ids``);
    - ``work_cost``: a work line of a done intervention, at its cost: labour
      at the technician's hourly cost, parts at the value of the stock move
      that took them out of stock (their unit cost when not valued), travel,
      mileage and expenses at their cost.

    Revenue is the posted invoice line's balance in company currency
    (negative for credit notes), dated by its accounting date; drafts are not
    revenue yet, cancelled invoices never are. Work counts once its
    intervention is done: a re-opened intervention's cost leaves the report
    until it is done again.
    Amounts are converted into the current company's currency at today's rate
    (as ``sale.report`` does).

    Extension point: each ``_select_*`` method returns the columns (SQL per
    name of ``_COLUMNS``), the FROM and the WHERE of its branch; override one
    to change what a source counts, or add a column to ``_COLUMNS``, to each
    branch and as a field.
    """

    _name = "service.profitability.report"
    _description = "Service Profitability Analysis"
    _inherit = ["service.write.policy.mixin"]
    # an SQL view: nothing is written
    _write_policy_default = SYSTEM
    _auto = False
    _rec_name = "date"
    _order = "date desc, id desc"
    # what the view reads: flushed before any search or read of the report
    _depends = {
        "account.journal": ["type"],
        "account.move.line": [
            "balance",
            "company_id",
            "date",
            "display_type",
            "invoice_date",
            "journal_id",
            "move_id",
            "parent_state",
            "product_id",
            "service_contract_id",
            "service_intervention_line_ids",
        ],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id"],
        "res.partner": ["commercial_partner_id"],
        "service.contract": ["contract_type", "partner_id"],
        "service.intervention": ["contract_id", "state"],
        "service.intervention.line": [
            "activity_type_id",
            "company_id",
            "cost_subtotal",
            "coverage_pct",
            "date",
            "employee_id",
            "intervention_id",
            "line_type",
            "object_lot_id",
            "partner_id",
            "product_id",
            "stock_move_id",
        ],
        "stock.lot": ["product_id", "warranty_end_date"],
        "stock.move": ["is_out", "value"],
    }

    # name and SQL type of the columns every branch selects
    _COLUMNS = (
        ("id", "bigint"),
        ("source", "varchar"),
        ("amount_type", "varchar"),
        ("date", "date"),
        ("company_id", "integer"),
        ("partner_id", "integer"),
        ("contract_id", "integer"),
        ("contract_type", "varchar"),
        ("intervention_id", "integer"),
        ("lot_id", "integer"),
        ("product_id", "integer"),
        ("product_categ_id", "integer"),
        ("employee_id", "integer"),
        ("activity_type_id", "integer"),
        ("move_id", "integer"),
        ("invoice_state", "varchar"),
        ("warranty", "boolean"),
        ("revenue", "numeric"),
        ("cost", "numeric"),
    )

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    contract_id = fields.Many2one("service.contract", readonly=True)
    contract_type = fields.Selection(CONTRACT_TYPES, readonly=True)
    intervention_id = fields.Many2one("service.intervention", readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Installed Product", readonly=True)
    product_id = fields.Many2one(
        "product.product",
        readonly=True,
        help="The fee, service or spare part invoiced or used.",
    )
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        readonly=True,
        help="Category of the installed product the work was for; of the "
        "invoiced or used product when the work names no installed product.",
    )
    employee_id = fields.Many2one("hr.employee", string="Technician", readonly=True)
    activity_type_id = fields.Many2one("service.activity.type", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    invoice_state = fields.Selection(INVOICE_STATES, readonly=True)
    source = fields.Selection(SOURCES, readonly=True)
    amount_type = fields.Selection(
        AMOUNT_TYPES, string="Revenue or Cost", readonly=True
    )
    warranty = fields.Boolean(
        string="Under Warranty",
        readonly=True,
        help="Work covered by the installed product's warranty or by a "
        "warranty contract.",
    )
    currency_id = fields.Many2one("res.currency", readonly=True)
    revenue = fields.Monetary(readonly=True, groups=COST_GROUPS)
    cost = fields.Monetary(readonly=True, groups=COST_GROUPS)
    margin = fields.Monetary(readonly=True, groups=COST_GROUPS)
    # grouped rows compute it from the sums (see _read_group_select), never
    # as an average of the rows' percentages
    margin_percent = fields.Float(
        string="Margin (%)", readonly=True, aggregator="avg", groups=COST_GROUPS
    )
    amount = fields.Monetary(
        readonly=True,
        groups=COST_GROUPS,
        help="The revenue of revenue rows, the cost of cost rows: group by "
        "'Revenue or Cost' to compare them.",
    )

    # ------------------------------------------------------------------
    # The view
    # ------------------------------------------------------------------
    @property
    def _table_query(self):
        return self._query()

    @api.model
    def _query(self):
        currency_table = self.env["res.currency"]._get_simple_currency_table(
            self.env.companies
        )
        branches = [
            self._branch(part, currency_table)
            for part in (
                self._select_contract_fee(),
                self._select_work(),
                self._select_work_cost(),
            )
        ]
        return SQL(
            """
            SELECT report.*,
                   report.revenue - report.cost AS margin,
                   CASE WHEN report.revenue != 0
                        THEN 100 * (report.revenue - report.cost) / report.revenue
                   END AS margin_percent,
                   report.revenue + report.cost AS amount,
                   %(currency)s AS currency_id
              FROM (%(union)s) report
            """,
            currency=self.env.company.currency_id.id,
            union=SQL(" UNION ALL ").join(branches),
        )

    @api.model
    def _branch(self, part, currency_table):
        """One branch of the union: every column, in the order of _COLUMNS,
        amounts converted with the currency table."""
        columns = dict(part["columns"])
        rate = SQL("account_currency_table.rate")
        columns["revenue"] = SQL("(%s) * %s", columns["revenue"], rate)
        columns["cost"] = SQL("(%s) * %s", columns["cost"], rate)
        return SQL(
            "SELECT %s FROM %s JOIN %s ON account_currency_table.company_id = %s "
            "WHERE %s",
            SQL(", ").join(
                SQL("CAST(%s AS %s) AS %s", columns[name], SQL(sql_type), SQL(name))
                for name, sql_type in self._COLUMNS
            ),
            part["from"],
            currency_table,
            columns["company_id"],
            part["where"],
        )

    @api.model
    def _invoice_where(self):
        """Product lines of posted customer invoices and credit notes (the
        entries of sales journals). The journal, not the move, tells: a join
        on the few journals, not on every invoice."""
        return SQL(
            "aml.display_type = 'product' AND aml.parent_state = 'posted' "
            "AND journal.type = 'sale'"
        )

    @api.model
    def _warranty_sql(self):
        """Work covered by the serviced product's warranty (labour and parts
        up to the warranty end) or by a warranty contract."""
        return SQL(
            "COALESCE(line.coverage_pct > 0 AND (contract.contract_type = 'warranty' "
            "OR (line.line_type IN ('activity', 'part') "
            "AND lot.warranty_end_date >= line.date)), FALSE)"
        )

    @api.model
    def _select_contract_fee(self):
        """Fee lines of invoices and credit notes of contracts."""
        return {
            "columns": {
                "id": SQL("aml.id * 3"),
                "source": SQL("'contract_fee'"),
                "amount_type": SQL("'revenue'"),
                "date": SQL("aml.date"),
                "company_id": SQL("aml.company_id"),
                "partner_id": SQL("customer.commercial_partner_id"),
                "contract_id": SQL("aml.service_contract_id"),
                "contract_type": SQL("contract.contract_type"),
                "intervention_id": SQL("NULL"),
                "lot_id": SQL("NULL"),
                "product_id": SQL("aml.product_id"),
                "product_categ_id": SQL("template.categ_id"),
                "employee_id": SQL("NULL"),
                "activity_type_id": SQL("NULL"),
                "move_id": SQL("aml.move_id"),
                "invoice_state": SQL("aml.parent_state"),
                "warranty": SQL("contract.contract_type = 'warranty'"),
                "revenue": SQL("-aml.balance"),
                "cost": SQL("0"),
            },
            "from": SQL(
                """account_move_line aml
                JOIN account_journal journal ON journal.id = aml.journal_id
                JOIN service_contract contract ON contract.id = aml.service_contract_id
                LEFT JOIN res_partner customer ON customer.id = contract.partner_id
                LEFT JOIN product_product product ON product.id = aml.product_id
                LEFT JOIN product_template template
                       ON template.id = product.product_tmpl_id"""
            ),
            "where": SQL(
                "aml.service_contract_id IS NOT NULL AND %s", self._invoice_where()
            ),
        }

    @api.model
    def _work_columns(self):
        """The columns of executed work (invoiced or at cost), from its line."""
        return {
            "company_id": SQL("line.company_id"),
            "partner_id": SQL("customer.commercial_partner_id"),
            "contract_id": SQL("job.contract_id"),
            "contract_type": SQL("contract.contract_type"),
            "intervention_id": SQL("line.intervention_id"),
            "lot_id": SQL("line.object_lot_id"),
            "product_id": SQL("line.product_id"),
            "product_categ_id": SQL(
                "COALESCE(lot_template.categ_id, template.categ_id)"
            ),
            "employee_id": SQL("line.employee_id"),
            "activity_type_id": SQL("line.activity_type_id"),
            "warranty": self._warranty_sql(),
        }

    @api.model
    def _work_joins(self):
        return SQL(
            """JOIN service_intervention job ON job.id = line.intervention_id
            LEFT JOIN service_contract contract ON contract.id = job.contract_id
            LEFT JOIN res_partner customer ON customer.id = line.partner_id
            LEFT JOIN stock_lot lot ON lot.id = line.object_lot_id
            LEFT JOIN product_product lot_product ON lot_product.id = lot.product_id
            LEFT JOIN product_template lot_template
                   ON lot_template.id = lot_product.product_tmpl_id
            LEFT JOIN product_product product ON product.id = line.product_id
            LEFT JOIN product_template template
                   ON template.id = product.product_tmpl_id"""
        )

    @api.model
    def _select_work(self):
        """Invoice lines of executed work: each bills one work line (see
        service.intervention.line._prepare_invoice_line_values)."""
        columns = self._work_columns()
        columns.update(
            {
                "id": SQL("aml.id * 3 + 1"),
                "source": SQL("'work'"),
                "amount_type": SQL("'revenue'"),
                "date": SQL("aml.date"),
                "company_id": SQL("aml.company_id"),
                "move_id": SQL("aml.move_id"),
                "invoice_state": SQL("aml.parent_state"),
                "revenue": SQL("-aml.balance"),
                "cost": SQL("0"),
            }
        )
        return {
            "columns": columns,
            "from": SQL(
                """account_move_line aml
                JOIN account_journal journal ON journal.id = aml.journal_id
                JOIN service_intervention_line_account_move_line_rel billed
                  ON billed.move_line_id = aml.id
                JOIN service_intervention_line line
                  ON line.id = billed.intervention_line_id
                %s""",
                self._work_joins(),
            ),
            "where": self._invoice_where(),
        }

    @api.model
    def _select_work_cost(self):
        """Work lines of done interventions at their cost; parts taken out of
        stock at their stock valuation."""
        columns = self._work_columns()
        columns.update(
            {
                "id": SQL("line.id * 3 + 2"),
                "source": SQL("'work_cost'"),
                "amount_type": SQL("'cost'"),
                "date": SQL("line.date"),
                "move_id": SQL("NULL"),
                "invoice_state": SQL("NULL"),
                "revenue": SQL("0"),
                "cost": SQL(
                    "CASE WHEN part_move.is_out AND part_move.value != 0 "
                    "THEN part_move.value ELSE COALESCE(line.cost_subtotal, 0) END"
                ),
            }
        )
        return {
            "columns": columns,
            "from": SQL(
                """service_intervention_line line
                %s
                LEFT JOIN stock_move part_move ON part_move.id = line.stock_move_id""",
                self._work_joins(),
            ),
            "where": SQL("job.state = 'done'"),
        }

    # ------------------------------------------------------------------
    # Aggregates
    # ------------------------------------------------------------------
    def _read_group_select(self, aggregate_spec, query):
        """The margin percentage of a group is its margin over its revenue
        (the sums'), not the average of its rows' percentages."""
        if aggregate_spec.split(":")[0] != "margin_percent":
            return super()._read_group_select(aggregate_spec, query)
        # checks the user may read the measure, as any aggregate
        super()._read_group_select(aggregate_spec, query)
        revenue = self._field_to_sql(self._table, "revenue", query)
        cost = self._field_to_sql(self._table, "cost", query)
        return SQL(
            "100 * (SUM(%s) - SUM(%s)) / NULLIF(SUM(%s), 0)", revenue, cost, revenue
        )
