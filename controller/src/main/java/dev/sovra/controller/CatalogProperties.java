package dev.sovra.controller;

import io.micronaut.context.annotation.EachProperty;
import java.util.List;

/** Configuration shapes for the compute catalogue ({@code sovra.skus[]}, {@code sovra.boot-images[]}). */
final class CatalogProperties {
    private CatalogProperties() {}

    /** One instance SKU. */
    @EachProperty(value = "sovra.skus", list = true)
    public static final class SkuProperties {
        private String name;
        private int vcpu;
        private int ram;
        private List<String> cpuFeatures = List.of();

        /** CPU features (libvirt names, e.g. {@code avx2}) a node's guests must get for this SKU. */
        public List<String> getCpuFeatures() {
            return cpuFeatures;
        }

        public void setCpuFeatures(List<String> cpuFeatures) {
            this.cpuFeatures = cpuFeatures == null ? List.of() : List.copyOf(cpuFeatures);
        }

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

    /** One storage SKU (SECA StorageSku spec). */
    @EachProperty(value = "sovra.storage-skus", list = true)
    public static final class StorageSkuProperties {
        private String name;
        private int iops;
        private String type;
        private int minVolumeSize = 1;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public int getIops() {
            return iops;
        }

        public void setIops(int iops) {
            this.iops = iops;
        }

        public String getType() {
            return type;
        }

        public void setType(String type) {
            this.type = type;
        }

        public int getMinVolumeSize() {
            return minVolumeSize;
        }

        public void setMinVolumeSize(int minVolumeSize) {
            this.minVolumeSize = minVolumeSize;
        }
    }

    /** One network SKU (SECA NetworkSku spec). */
    @EachProperty(value = "sovra.network-skus", list = true)
    public static final class NetworkSkuProperties {
        private String name;
        private long bandwidth;
        private long packets;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public long getBandwidth() {
            return bandwidth;
        }

        public void setBandwidth(long bandwidth) {
            this.bandwidth = bandwidth;
        }

        public long getPackets() {
            return packets;
        }

        public void setPackets(long packets) {
            this.packets = packets;
        }
    }
}
