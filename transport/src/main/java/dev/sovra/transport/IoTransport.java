package dev.sovra.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket transport: native epoll where it loads (Linux x86_64 with the native jar on the class
 * path), else NIO. {@code -Dsovra.transport.epoll=false} forces NIO (for comparison and as an escape hatch).
 */
final class IoTransport {
    private static final Logger log = LoggerFactory.getLogger(IoTransport.class);
    static final boolean EPOLL = chooseEpoll();

    private IoTransport() {}

    private static boolean chooseEpoll() {
        if ("false".equalsIgnoreCase(System.getProperty("sovra.transport.epoll"))) {
            return false;
        }
        try {
            if (Epoll.isAvailable()) {
                return true;
            }
            log.debug("native epoll unavailable, using NIO reason=\"{}\"", String.valueOf(Epoll.unavailabilityCause()));
        } catch (LinkageError e) {
            log.debug("native epoll classes missing, using NIO reason=\"{}\"", e.toString());
        }
        return false;
    }

    static String name() {
        return EPOLL ? "epoll" : "nio";
    }

    static IoHandlerFactory ioHandlerFactory() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
