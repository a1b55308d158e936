package dev.sovra.controller;

import io.micronaut.context.annotation.EachProperty;

/** Configuration shapes for the compute catalogue ({@code sovra.skus[]}, {@code sovra.boot-images[]}). */
final class CatalogProperties {
    private CatalogProperties() {}

    /** One instance SKU. */
    @EachProperty(value = "sovra.skus", list = true)
    public static final class SkuProperties {
        private String name;
        private int vcpu;
        private int ram;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public int getVcpu() {
            return vcpu;
        }

        public void setVcpu(int vcpu) {
            this.vcpu = vcpu;
        }

        public int getRam() {
            return ram;
        }

        public void setRam(int ram) {
            this.ram = ram;
        }
    }

    /** One direct-kernel-boot image available on every node. */
    @EachProperty(value = "sovra.boot-images", list = true)
    public static final class BootImageProperties {
        private String name;
        private String kernel;
        private String initrd;
        private String cmdline = "";

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getKernel() {
            return kernel;
        }

        public void setKernel(String kernel) {
            this.kernel = kernel;
        }

        public String getInitrd() {
            return initrd;
        }

        public void setInitrd(String initrd) {
            this.initrd = initrd;
        }

        public String getCmdline() {
            return cmdline;
        }

        public void setCmdline(String cmdline) {
            this.cmdline = cmdline;
        }
    }
}
