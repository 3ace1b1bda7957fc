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
import { deserializeDateTime, serializeDate, serializeDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { ServiceRouteMap } from "./service_route_map";
import {
    formatKm,
    formatMinutes,
    formatSpan,
    formatWindow,
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
        this.state = useState({ open: false, loading: false, route: null, day: null });
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
        let day = DateTime.now().startOf("day");
        let route = await this.fetchRoute(day, employeeIds);
        if (!route.stops.length && employeeIds.length) {
            // nothing today (a weekend): the next day with a job of mine
            const [next] = await this.orm.searchRead(
                "service.intervention",
                [
                    ["technician_id", "in", employeeIds],
                    ["scheduled_start", ">=", serializeDateTime(day.plus({ days: 1 }))],
                    ["state", "in", ["draft", "scheduled"]],
                ],
                ["scheduled_start"],
                { order: "scheduled_start", limit: 1 }
            );
            if (next) {
                day = deserializeDateTime(next.scheduled_start).startOf("day");
                route = await this.fetchRoute(day, employeeIds);
            }
        }
        this.state.day = day;
        this.state.route = route;
        this.state.loading = false;
    }

    async fetchRoute(day, employeeIds) {
        const data = await this.orm.call(
            "service.intervention",
            "get_route_map_data",
            [serializeDate(day)],
            { employee_ids: employeeIds }
        );
        const mine = (data.technicians || []).filter((t) => employeeIds.includes(t.id));
        return mine[0] || { stops: [], km: 0, minutes: 0 };
    }

    /** Which day the route is when it is not today. */
    get otherDay() {
        const day = this.state.day;
        if (!day || day.hasSame(DateTime.now(), "day")) {
            return "";
        }
        return _t("No job today: your route of %s.", day.toLocaleString({ weekday: "long", day: "numeric", month: "long" }));
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
        const values = {
            count: this.stops.length,
            km: formatKm(this.state.route.km),
            time: formatMinutes(this.state.route.minutes),
        };
        return this.stops.length === 1
            ? _t("1 stop · %(km)s · %(time)s", values)
            : _t("%(count)s stops · %(km)s · %(time)s", values);
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
        return formatWindow(stop);
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
