# Writes every VRRP (IP protocol 112) frame seen on veth-cap for N seconds, one frame per line (hex).
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(('veth-cap', 0))
s.settimeout(0.5)
end = time.time() + float(sys.argv[1])
with open(sys.argv[2], 'w') as out:
    while time.time() < end:
        try:
            frame = s.recv(65535)
        except socket.timeout:
            continue
        et = frame[12] << 8 | frame[13]
        if (et == 0x0800 and frame[14 + 9] == 112) or (et == 0x86dd and frame[14 + 6] == 112):
            out.write(frame.hex() + '\n'); out.flush()
