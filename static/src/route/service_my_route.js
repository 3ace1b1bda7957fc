/**
 * My Route on the technician's Today screen (service_management): today's
 * stops in route order with their times and the kilometres from the previous
 * stop, each with Navigate (the phone's maps app), the whole day as one link
 * and a small map.
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
 */
import { Component, useState } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { user } from "@web/core/user";
import { serializeDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { ServiceRouteMap } from "./service_route_map";
import {
    formatKm,
    formatMinutes,
    formatSpan,
    hasCoordinates,
    navigateUrl,
    routeUrl,
    technicianColor,
} from "./service_route_links";

const { DateTime } = luxon;

export class ServiceMyRoute extends Component {
    static template = "service_management.ServiceMyRoute";
    static components = { ServiceRouteMap };
    static props = {};

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ open: false, loading: false, route: null });
    }

    async toggle() {
        this.state.open = !this.state.open;
        if (this.state.open) {
            await this.load();
        }
    }

    async load() {
        this.state.loading = true;
        const employees = await this.orm.searchRead(
            "hr.employee.public",
            [["user_id", "=", user.userId]],
            ["id"]
        );
        const employeeIds = employees.map((e) => e.id);
        const data = await this.orm.call(
            "service.intervention",
            "get_route_map_data",
            [serializeDate(DateTime.now())],
            { employee_ids: employeeIds }
        );
        const mine = (data.technicians || []).filter((t) => employeeIds.includes(t.id));
        this.state.route = mine[0] || { stops: [], km: 0, minutes: 0 };
        this.state.loading = false;
    }

    get stops() {
        return (this.state.route && this.state.route.stops) || [];
    }

    get color() {
        return technicianColor(this.state.route, 0);
    }

    get hasMap() {
        return this.stops.some(hasCoordinates);
    }

    get summary() {
        return _t("%(count)s stops · %(km)s · %(time)s", {
            count: this.stops.length,
            km: formatKm(this.state.route.km),
            time: formatMinutes(this.state.route.minutes),
        });
    }

    get routeUrl() {
        return this.state.route ? routeUrl(this.state.route) : "";
    }

    navigateUrl(stop) {
        return navigateUrl(stop);
    }

    span(stop) {
        return formatSpan(stop.scheduled_start, stop.scheduled_end);
    }

    windowSpan(stop) {
        return stop.window_start || stop.window_end
            ? formatSpan(stop.window_start, stop.window_end)
            : "";
    }

    formatKm(km) {
        return formatKm(km);
    }

    formatMinutes(minutes) {
        return formatMinutes(minutes);
    }

    openJob(stop) {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: "service.intervention",
            res_id: stop.id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}
