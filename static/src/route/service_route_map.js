/**
 * A day of technicians on a Leaflet map (OCA web_leaflet_lib): numbered stops
 * per technician in route order and in the technician's colour, a line from
 * the start place through the stops to the end place, late or conflicting
 * jobs ringed in red.
 * License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
 */
import { Component, onMounted, onPatched, onWillUnmount, useRef } from "@odoo/owl";
import { session } from "@web/session";
import { _t } from "@web/core/l10n/translation";
import { formatSpan, hasCoordinates, technicianColor } from "./service_route_links";

// Bologna, where the demo company works: the view when nothing has a place
const DEFAULT_CENTER = [44.4949, 11.3426];

/** The tile server set in web_leaflet_lib's system parameter
 * `leaflet.tile_url`: none (the default outside demo databases) draws the
 * routes on a blank background and asks nothing of the network. */
export function tileUrl() {
    const url = session["leaflet.tile_url"];
    return url && url !== "False" ? url : "";
}

export class ServiceRouteMap extends Component {
    static template = "service_management.ServiceRouteMap";
    static props = {
        technicians: { type: Array },
        onStopClick: { type: Function, optional: true },
        compact: { type: Boolean, optional: true },
    };

    setup() {
        this.mapRef = useRef("map");
        onMounted(() => {
            if (!window.L) {
                return;
            }
            this.createMap();
            this.draw();
            // a panel opened or a phone turned: Leaflet measures again
            this.resizeObserver = new ResizeObserver(() => {
                if (this.map && this.mapRef.el && this.mapRef.el.isConnected) {
                    this.map.invalidateSize({ animate: false, pan: false });
                }
            });
            this.resizeObserver.observe(this.mapRef.el);
        });
        onPatched(() => this.draw());
        onWillUnmount(() => {
            if (this.resizeObserver) {
                this.resizeObserver.disconnect();
            }
            if (this.map) {
                // no animation may outlive the map (Leaflet would fail on it)
                const map = this.map;
                this.map = null;
                map.stop();
                map.off();
                map.remove();
            }
        });
    }

    createMap() {
        const L = window.L;
        const touch = L.Browser.mobile;
        this.map = L.map(this.mapRef.el, {
            // on a phone one finger scrolls the page, two move the map
            dragging: !touch,
            scrollWheelZoom: !this.props.compact,
            tap: false,
            zoomSnap: 0.5,
            // the lines drawn on the map only, not 10 % around it
            renderer: L.svg({ padding: 0 }),
        });
        const url = tileUrl();
        if (url) {
            const layer = L.tileLayer(url, {
                maxZoom: 19,
                attribution: session["leaflet.copyright"] || "",
            });
            // offline, tiles fail quietly: the stops and lines still show
            layer.on("tileerror", (ev) => ev.tile && ev.tile.classList.add("o_service_tile_error"));
            layer.addTo(this.map);
        }
        this.layer = L.layerGroup().addTo(this.map);
    }

    draw() {
        const L = window.L;
        if (!this.map) {
            return;
        }
        this.layer.clearLayers();
        const bounds = [];
        this.props.technicians.forEach((technician, index) => {
            const color = technicianColor(technician, index);
            const path = [];
            if (hasCoordinates(technician.start)) {
                path.push([technician.start.lat, technician.start.lon]);
                this.placeMarker(technician.start, color, "fa-home", _t("Start: %s", technician.start.name || ""));
            }
            technician.stops.forEach((stop, position) => {
                if (hasCoordinates(stop)) {
                    path.push([stop.lat, stop.lon]);
                    this.stopMarker(technician, stop, color, position + 1);
                }
            });
            if (hasCoordinates(technician.end)) {
                path.push([technician.end.lat, technician.end.lon]);
                const sameAsStart =
                    hasCoordinates(technician.start) &&
                    technician.start.lat === technician.end.lat &&
                    technician.start.lon === technician.end.lon;
                if (!sameAsStart) {
                    this.placeMarker(technician.end, color, "fa-flag-checkered", _t("End: %s", technician.end.name || ""));
                }
            }
            if (path.length > 1) {
                L.polyline(path, { color, weight: 4, opacity: 0.75 }).addTo(this.layer);
            }
            bounds.push(...path);
        });
        if (bounds.length) {
            // room for the pins and, top left, the zoom buttons
            this.map.fitBounds(bounds, {
                paddingTopLeft: [64, 32],
                paddingBottomRight: [32, 32],
                maxZoom: 14,
                animate: false,
            });
        } else {
            this.map.setView(DEFAULT_CENTER, 10, { animate: false });
        }
    }

    stopMarker(technician, stop, color, number) {
        const L = window.L;
        const warn = stop.is_late || stop.has_conflict;
        const classes = ["o_service_route_pin"];
        if (warn) {
            classes.push("o_service_route_pin_warn");
        }
        if (stop.is_pinned) {
            classes.push("o_service_route_pin_pinned");
        }
        if (["done", "cancelled"].includes(stop.state)) {
            classes.push("o_service_route_pin_done");
        }
        // on a phone the pin is a fingertip wide, its disc as elsewhere
        const size = this.env.isSmall ? 44 : 30;
        const icon = L.divIcon({
            className: classes.join(" "),
            html: `<span style="background:${color}">${number}</span>`,
            iconSize: [size, size],
            iconAnchor: [size / 2, size / 2],
        });
        const warning = [
            stop.is_late ? _t("late") : "",
            stop.has_conflict ? _t("conflict") : "",
        ]
            .filter(Boolean)
            .join(", ");
        const title = [
            `${number}. ${stop.partner_name || stop.name}`,
            formatSpan(stop.scheduled_start, stop.scheduled_end),
            technician.name,
            warning,
        ]
            .filter(Boolean)
            .join(" · ");
        const marker = L.marker([stop.lat, stop.lon], {
            icon,
            title,
            alt: title,
            keyboard: true,
            riseOnHover: true,
        });
        marker.on("click", () => this.props.onStopClick && this.props.onStopClick(stop));
        marker.on("add", () => {
            const el = marker.getElement();
            if (el) {
                el.dataset.stopId = stop.id;
                el.dataset.technicianId = technician.id;
            }
        });
        marker.addTo(this.layer);
    }

    placeMarker(place, color, iconClass, title) {
        const L = window.L;
        L.marker([place.lat, place.lon], {
            icon: L.divIcon({
                className: "o_service_route_place",
                html: `<i class="fa ${iconClass}" style="color:${color}"></i>`,
                iconSize: [22, 22],
                iconAnchor: [11, 11],
            }),
            title,
            alt: title,
            keyboard: false,
            interactive: false,
        }).addTo(this.layer);
    }
}
