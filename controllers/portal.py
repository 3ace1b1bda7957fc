# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class ServicePortal(CustomerPortal):
    """Customers see their contracts, installed products and interventions,
    and request an intervention. Routing and checks only: the records'
    access rules decide what a customer sees."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        for counter, model in (
            ("service_contract_count", "service.contract"),
            ("service_intervention_count", "service.intervention"),
            ("service_lot_count", "stock.lot"),
        ):
            if counter in counters:
                values[counter] = (
                    request.env[model].search_count(self._service_domain(model))
                    if request.env[model].has_access("read")
                    else 0
                )
        return values

    def _service_domain(self, model):
        customer = request.env.user.commercial_partner_id
        field = "service_partner_id" if model == "stock.lot" else "partner_id"
        return [(field, "child_of", customer.id)]

    def _service_list(self, model, template, key, order):
        # searched with the customer's rights, displayed with their related
        # products (which portal users cannot read themselves)
        records = request.env[model].search(self._service_domain(model), order=order)
        records = records.sudo()
        values = self._prepare_portal_layout_values()
        values.update({key: records, "page_name": key})
        return request.render(template, values)

    def _service_document(self, model, record_id, access_token, template, key):
        try:
            record = self._document_check_access(model, record_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            record,
            access_token,
            {key: record, "page_name": key},
            f"my_{key}_history",
            False,
        )
        return request.render(template, values)

    @http.route("/my/service/contracts", type="http", auth="user", website=True)
    def portal_my_service_contracts(self, **kw):
        return self._service_list(
            "service.contract",
            "service_management.portal_my_service_contracts",
            "service_contracts",
            "date_start desc, id desc",
        )

    @http.route(
        "/my/service/contracts/<int:contract_id>",
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_service_contract(self, contract_id, access_token=None, **kw):
        return self._service_document(
            "service.contract",
            contract_id,
            access_token,
            "service_management.portal_my_service_contract",
            "service_contract",
        )

    @http.route("/my/service/interventions", type="http", auth="user", website=True)
    def portal_my_service_interventions(self, **kw):
        return self._service_list(
            "service.intervention",
            "service_management.portal_my_service_interventions",
            "service_interventions",
            "date_request desc, id desc",
        )

    @http.route(
        "/my/service/interventions/<int:intervention_id>",
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_service_intervention(self, intervention_id, access_token=None, **kw):
        return self._service_document(
            "service.intervention",
            intervention_id,
            access_token,
            "service_management.portal_my_service_intervention",
            "service_intervention",
        )

    @http.route("/my/service/installed", type="http", auth="user", website=True)
    def portal_my_service_installed(self, **kw):
        return self._service_list(
            "stock.lot",
            "service_management.portal_my_service_installed",
            "service_lots",
            "service_installed_on desc, id desc",
        )

    @http.route(
        "/my/service/request",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_service_request(self, **post):
        # the domain keeps the customer's own serials; sudo reads their products
        lots = request.env["stock.lot"].sudo().search(self._service_domain("stock.lot"))
        values = self._prepare_portal_layout_values()
        values.update(
            {"service_lots": lots, "page_name": "service_request", "error": False}
        )
        if request.httprequest.method == "POST":
            description = (post.get("description") or "").strip()
            if not description:
                values["error"] = request.env._("Describe the problem, please.")
                return request.render(
                    "service_management.portal_service_request", values
                )
            lot = lots.filtered(lambda lot: str(lot.id) == post.get("lot_id"))
            intervention = request.env["service.intervention"]._portal_request(
                request.env.user.partner_id, description, lot
            )
            return request.redirect(intervention.get_portal_url())
        return request.render("service_management.portal_service_request", values)
