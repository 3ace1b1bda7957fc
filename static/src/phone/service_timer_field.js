import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { Component, onWillDestroy, onWillUpdateProps, useState } from "@odoo/owl";

/**
 * The technician's timer: hours counted by the server when the record was
 * read, plus the time since then while it runs (record field "timer_state").
 */
export class ServiceTimerField extends Component {
    static template = "service_management.ServiceTimerField";
    static props = { ...standardFieldProps };

    setup() {
        this.state = useState({ now: Date.now() });
        this.readAt = Date.now();
        this.readValue = this.props.record.data[this.props.name];
        onWillUpdateProps((nextProps) => {
            const value = nextProps.record.data[nextProps.name];
            if (value !== this.readValue) {
                this.readValue = value;
                this.readAt = Date.now();
                this.state.now = this.readAt;
            }
        });
        const interval = setInterval(() => {
            if (this.running) {
                this.state.now = Date.now();
            }
        }, 1000);
        onWillDestroy(() => clearInterval(interval));
    }

    get running() {
        return this.props.record.data.timer_state === "running";
    }

    get display() {
        let seconds = (this.readValue || 0) * 3600;
        if (this.running) {
            seconds += (this.state.now - this.readAt) / 1000;
        }
        seconds = Math.max(0, Math.floor(seconds));
        const h = Math.floor(seconds / 3600);
        const m = Math.floor((seconds % 3600) / 60);
        const s = seconds % 60;
        const pad = (n) => String(n).padStart(2, "0");
        return `${h}:${pad(m)}:${pad(s)}`;
    }
}

registry.category("fields").add("service_timer", {
    component: ServiceTimerField,
    supportedTypes: ["float"],
    fieldDependencies: [{ name: "timer_state", type: "selection" }],
});
