# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import os

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.http import request
from odoo.tools import str2bool
from odoo.tools.mimetypes import guess_mimetype

from odoo.addons.portal.controllers.portal import (
    CustomerPortal,
    pager as portal_pager,
)

# what a customer may send with a request
REQUEST_MAX_CHARS = 5000
REQUEST_MAX_FILES = 3
REQUEST_MAX_FILE_MB = 5
REQUEST_MAX_FILE_SIZE = REQUEST_MAX_FILE_MB * 1024 * 1024
# extension -> content type the file must really have (checked on its bytes)
REQUEST_FILE_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
# the whole request body: the files, the text and some room for the form
REQUEST_MAX_BODY = REQUEST_MAX_FILES * REQUEST_MAX_FILE_SIZE + 1024 * 1024

# the counters of the portal home: (counter, model)
HOME_COUNTERS = (
    ("service_contract_count", "service.contract"),
    ("service_intervention_count", "service.intervention"),
    ("service_lot_count", "stock.lot"),
)
REPORTS = {
    "service.contract": "service_management.action_report_service_contract",
    "service.intervention": "service_management.action_report_service_intervention",
}


def sorting(label, order):
    """An entry of a portal list's sort menu."""
    return {"label": label, "order": order}


class ServicePortal(CustomerPortal):
    """Customers see their contracts, installed products and interventions,
    and request an intervention. The records' access rules decide what a
    logged-in customer sees; a document's access token opens it to anyone
    holding the link."""

    _service_items_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        for counter, model in HOME_COUNTERS:
            if counter in counters:
                values[counter] = self._service_count(model)
        return values

    def _service_count(self, model):
        """The customer's records of ``model`` (0 without read access)."""
        Model = request.env[model]
        if not Model.has_access("read"):
            return 0
        return Model.search_count(self._service_domain(model))

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _service_domain(self, model):
        customer = request.env.user.commercial_partner_id
        field = "service_partner_id" if model == "stock.lot" else "partner_id"
        return [(field, "child_of", customer.id)]

    def _service_portal_states(self, model):
        """Statuses as a customer understands them: state -> (label, badge
        class)."""
        if model == "service.contract":
            return {
                "draft": (request.env._("Being prepared"), "text-bg-info"),
                "running": (request.env._("Active"), "text-bg-success"),
                "expired": (request.env._("Expired"), "text-bg-secondary"),
                "closed": (request.env._("Ended"), "text-bg-secondary"),
                "cancelled": (request.env._("Cancelled"), "text-bg-danger"),
            }
        if model == "service.intervention":
            return {
                "draft": (request.env._("Received"), "text-bg-info"),
                "scheduled": (request.env._("Planned"), "text-bg-primary"),
                "in_progress": (request.env._("In progress"), "text-bg-warning"),
                "done": (request.env._("Completed"), "text-bg-success"),
                "cancelled": (request.env._("Cancelled"), "text-bg-secondary"),
            }
        return {}

    def _service_searchbar_sortings(self, model):
        return {
            "service.contract": self._service_contract_sortings,
            "service.intervention": self._service_intervention_sortings,
        }.get(model, self._service_lot_sortings)()

    def _service_contract_sortings(self):
        return {
            "date": sorting(request.env._("Newest"), "date_start desc, id desc"),
            "date_end": sorting(
                request.env._("End Date"), "date_end asc nulls last, id desc"
            ),
            "name": sorting(request.env._("Reference"), "name desc, id desc"),
            "state": sorting(request.env._("Status"), "state, date_start desc"),
        }

    def _service_intervention_sortings(self):
        return {
            "date": sorting(request.env._("Newest"), "date_request desc, id desc"),
            "scheduled": sorting(
                request.env._("Planned Date"),
                "scheduled_start desc nulls last, id desc",
            ),
            "name": sorting(request.env._("Reference"), "name desc, id desc"),
            "state": sorting(request.env._("Status"), "state, date_request desc"),
        }

    def _service_lot_sortings(self):
        return {
            "installed": sorting(
                request.env._("Installation Date"),
                "service_installed_on desc nulls last, id desc",
            ),
            "warranty": sorting(
                request.env._("Warranty End"),
                "warranty_end_date asc nulls last, id desc",
            ),
            "name": sorting(request.env._("Serial Number"), "name, id"),
        }

    def _service_searchbar_inputs(self, model):
        if model == "stock.lot":
            inputs = self._service_lot_inputs()
        else:
            inputs = self._service_document_inputs()
        return {key: {"input": key, "label": label} for key, label in inputs.items()}

    def _service_lot_inputs(self):
        return {
            "all": request.env._("Serial or product"),
            "serial": request.env._("Serial number"),
            "product": request.env._("Product"),
        }

    def _service_document_inputs(self):
        """Search fields of the contracts and interventions."""
        return {
            "all": request.env._("Reference or serial"),
            "name": request.env._("Reference"),
            "serial": request.env._("Serial number"),
        }

    def _service_search_domain(self, model, search_in, search):
        domains = []
        if search_in in ("all", "name") and model != "stock.lot":
            domains.append(Domain("name", "ilike", search))
        if search_in in ("all", "serial"):
            # the serial may have moved to another customer since: the
            # customer domain of the list keeps the records their own
            lots = request.env["stock.lot"].sudo()._search([("name", "ilike", search)])
            field = {
                "service.contract": "lot_ids",
                "service.intervention": "object_ids.lot_id",
                "stock.lot": "id",
            }[model]
            domains.append(Domain(field, "in", lots))
        if search_in in ("all", "product") and model == "stock.lot":
            products = (
                request.env["product.product"]
                .sudo()
                ._search(
                    ["|", ("name", "ilike", search), ("default_code", "ilike", search)]
                )
            )
            domains.append(Domain("product_id", "in", products))
        return Domain.OR(domains) if domains else Domain.TRUE

    def _service_list(
        self,
        model,
        url,
        template,
        key,
        page=1,
        sortby=None,
        search=None,
        search_in=None,
        **kw,
    ):
        query = self._service_list_query(model, sortby, search, search_in)
        pager, records = self._service_list_page(model, query, url, page)
        request.session[f"my_{key}_history"] = records.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                key: records.sudo(),
                "page_name": key,
                "pager": pager,
                "default_url": url,
                "searchbar_sortings": query["sortings"],
                "sortby": query["sortby"],
                "searchbar_inputs": query["inputs"],
                "search_in": query["search_in"],
                "search": query["search"],
                "service_states": self._service_portal_states(model),
            }
        )
        return request.render(template, values)

    def _service_list_query(self, model, sortby, search, search_in):
        """The list's sort and search menus, the options picked in them
        (known ones only) and the domain they give."""
        sortings = self._service_searchbar_sortings(model)
        inputs = self._service_searchbar_inputs(model)
        search = (search or "").strip()
        search_in = search_in if search_in in inputs else "all"
        domain = Domain(self._service_domain(model))
        if search:
            domain &= self._service_search_domain(model, search_in, search)
        return {
            "sortings": sortings,
            "inputs": inputs,
            "sortby": sortby if sortby in sortings else next(iter(sortings)),
            "search_in": search_in,
            "search": search,
            "domain": domain,
        }

    def _service_list_page(self, model, query, url, page):
        """(pager, records of the page): searched with the customer's rights
        (displayed with their related products and technicians, which
        portal users cannot read: the caller sudoes them)."""
        Model = request.env[model]
        readable = Model.has_access("read")
        step = self._service_items_per_page
        search = query["search"]
        pager = portal_pager(
            url=url,
            total=Model.search_count(query["domain"]) if readable else 0,
            page=page,
            step=step,
            url_args={
                "sortby": query["sortby"],
                "search_in": query["search_in"] if search else None,
                "search": search or None,
            },
        )
        if not readable:
            return pager, Model
        return pager, Model.search(
            query["domain"],
            order=query["sortings"][query["sortby"]]["order"],
            limit=step,
            offset=pager["offset"],
        )

    def _service_document(
        self,
        model,
        record_id,
        access_token,
        template,
        key,
        history,
        report_type=None,
        download=False,
        **kw,
    ):
        try:
            record_sudo = self._document_check_access(model, record_id, access_token)
        except (AccessError, MissingError) as error:
            if request.env.user._is_public() and not access_token:
                # a link from an email: log in, then land on this page
                return request.redirect_query(
                    "/web/login", {"redirect": request.httprequest.full_path}
                )
            raise request.not_found() from error
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=record_sudo,
                report_type=report_type,
                report_ref=REPORTS[model],
                download=str2bool(str(download), default=False),
            )
        values = self._service_document_values(
            record_sudo, access_token, key, history, **kw
        )
        return request.render(template, values)

    def _service_document_values(self, record_sudo, access_token, key, history, **kw):
        """The values of a document's page: what the customer who owns it
        sees beyond what its link shows (``_service_owner_values``)."""
        model = record_sudo._name
        # the customer's own record, not only one shared with them by a link
        is_owner = not request.env.user._is_public() and request.env[model].browse(
            record_sudo.id
        ).has_access("read")
        values = self._get_page_view_values(
            record_sudo,
            access_token,
            {
                key: record_sudo,
                "page_name": key,
                "is_owner": is_owner,
                "message": kw.get("message"),
                "service_states": self._service_portal_states(model),
                "report_url": record_sudo.get_portal_url(
                    report_type="pdf", download=True
                ),
            },
            history,
            False,
            **kw,
        )
        if is_owner:
            values.update(self._service_owner_values(record_sudo))
            if not access_token:
                # the customer answers in the chatter, which needs write
                # access on the record or its token
                values["token"] = record_sudo._portal_ensure_token()
        return values

    def _service_owner_values(self, record_sudo):
        """What only the customer who owns the record sees, not someone who
        was sent its link: the intervention's invoices, the contract's
        interventions. Call it after checking the ownership."""
        if record_sudo._name == "service.intervention":
            return {
                "invoices": record_sudo.invoice_ids.filtered(
                    lambda move: move.state == "posted"
                ),
            }
        Intervention = request.env["service.intervention"]
        if not Intervention.has_access("read"):
            # an internal user without service rights (a salesperson on his
            # contract): the contract page, without the jobs he cannot read
            return {"interventions": Intervention.sudo(), "intervention_states": {}}
        interventions = request.env["service.intervention"].search(
            Domain(self._service_domain("service.intervention"))
            & Domain("contract_id", "=", record_sudo.id),
            order="date_request desc, id desc",
            limit=10,
        )
        return {
            "interventions": interventions.sudo(),
            "intervention_states": self._service_portal_states("service.intervention"),
        }

    # ------------------------------------------------------------------
    # Contracts
    # ------------------------------------------------------------------
    @http.route(
        ["/my/service/contracts", "/my/service/contracts/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_service_contracts(self, page=1, **kw):
        return self._service_list(
            "service.contract",
            "/my/service/contracts",
            "service_management.portal_my_service_contracts",
            "service_contracts",
            page=page,
            **kw,
        )

    @http.route(
        "/my/service/contracts/<int:contract_id>",
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_service_contract(
        self, contract_id, access_token=None, report_type=None, download=False, **kw
    ):
        return self._service_document(
            "service.contract",
            contract_id,
            access_token,
            "service_management.portal_my_service_contract",
            "service_contract",
            "my_service_contracts_history",
            report_type=report_type,
            download=download,
            **kw,
        )

    # ------------------------------------------------------------------
    # Interventions
    # ------------------------------------------------------------------
    @http.route(
        ["/my/service/interventions", "/my/service/interventions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_service_interventions(self, page=1, **kw):
        return self._service_list(
            "service.intervention",
            "/my/service/interventions",
            "service_management.portal_my_service_interventions",
            "service_interventions",
            page=page,
            **kw,
        )

    @http.route(
        "/my/service/interventions/<int:intervention_id>",
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_service_intervention(
        self,
        intervention_id,
        access_token=None,
        report_type=None,
        download=False,
        **kw,
    ):
        return self._service_document(
            "service.intervention",
            intervention_id,
            access_token,
            "service_management.portal_my_service_intervention",
            "service_intervention",
            "my_service_interventions_history",
            report_type=report_type,
            download=download,
            **kw,
        )

    # ------------------------------------------------------------------
    # Installed products
    # ------------------------------------------------------------------
    @http.route(
        ["/my/service/installed", "/my/service/installed/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_service_installed(self, page=1, **kw):
        return self._service_list(
            "stock.lot",
            "/my/service/installed",
            "service_management.portal_my_service_installed",
            "service_lots",
            page=page,
            **kw,
        )

    # ------------------------------------------------------------------
    # Intervention request
    # ------------------------------------------------------------------
    def _service_request_files(self):
        """The files sent with a request, checked: ``(files, errors)`` where
        files are ``(name, content)`` pairs."""
        uploads = [
            upload
            for upload in request.httprequest.files.getlist("attachments")
            if upload.filename
        ]
        if len(uploads) > REQUEST_MAX_FILES:
            return [], [
                request.env._(
                    "Attach at most %(count)s files to a request.",
                    count=REQUEST_MAX_FILES,
                )
            ]
        files, errors = [], []
        for upload in uploads:
            name = os.path.basename(upload.filename)
            content = upload.read(REQUEST_MAX_FILE_SIZE + 1)
            expected = REQUEST_FILE_TYPES.get(os.path.splitext(name)[1].lower())
            if len(content) > REQUEST_MAX_FILE_SIZE:
                errors.append(
                    request.env._(
                        "%(name)s is too large: each file can be at most %(size)s MB.",
                        name=name,
                        size=REQUEST_MAX_FILE_MB,
                    )
                )
            elif not expected or guess_mimetype(content) != expected:
                errors.append(
                    request.env._(
                        "%(name)s cannot be attached: only photos (JPEG, PNG, GIF, "
                        "WebP) and PDF documents are accepted.",
                        name=name,
                    )
                )
            else:
                files.append((name, content))
        return files, errors

    @http.route(
        "/my/service/request",
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
        max_content_length=REQUEST_MAX_BODY,
    )
    def portal_service_request(self, **post):
        # the domain keeps the customer's own serials; sudo reads their products
        lots = request.env["stock.lot"].sudo().search(self._service_domain("stock.lot"))
        description = (post.get("description") or "").strip()
        lot = lots.filtered(lambda lot: str(lot.id) == post.get("lot_id"))
        values = self._service_request_values(lots, lot, description)
        if request.httprequest.method != "POST":
            return request.render("service_management.portal_service_request", values)
        values["errors"] = self._service_description_errors(description)
        files, file_errors = self._service_request_files()
        values["errors"] += file_errors
        if values["errors"]:
            return request.render("service_management.portal_service_request", values)
        intervention = request.env["service.intervention"]._portal_request(
            request.env.user.partner_id, description, lot, attachments=files
        )
        return request.redirect(
            intervention.sudo().get_portal_url(query_string="&message=sent")
        )

    def _service_request_values(self, lots, lot, description):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "service_lots": lots,
                "page_name": "service_request",
                "errors": [],
                "description": description,
                "lot_id": lot.id,
                "max_chars": REQUEST_MAX_CHARS,
                "max_files": REQUEST_MAX_FILES,
                "max_file_mb": REQUEST_MAX_FILE_MB,
                "accept": ",".join(
                    sorted(set(REQUEST_FILE_TYPES) | set(REQUEST_FILE_TYPES.values()))
                ),
            }
        )
        return values

    def _service_description_errors(self, description):
        if not description:
            return [request.env._("Describe the problem, please.")]
        if len(description) > REQUEST_MAX_CHARS:
            return [self._service_too_long_error(len(description))]
        return []

    def _service_too_long_error(self, count):
        return request.env._(
            "The description is too long (%(count)s characters): shorten "
            "it to %(max)s characters at most.",
            count=count,
            max=REQUEST_MAX_CHARS,
        )
