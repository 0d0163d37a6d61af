package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
)

// faviconICO is /favicon.ico: the hub's own mark (a white magnifying glass
// on NHS blue, the same drawing as assets/favicon.svg), not the NHS logo,
// which only NHS organisations may use. It is drawn here rather than kept
// as a binary file, and stored as an ICO holding one 32×32 PNG (every
// current browser reads PNG-in-ICO).
var faviconICO = func() []byte {
	const n = 32
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	blue := color.NRGBA{0x00, 0x5e, 0xb8, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			fx, fy := float64(x)+0.5, float64(y)+0.5
			img.Set(x, y, blue)
			// The lens: a ring centred at (13,13).
			if d := math.Hypot(fx-13, fy-13); d >= 6 && d <= 9.5 {
				img.Set(x, y, white)
			}
			// The handle: a thick segment from (19,19) to (26,26).
			t := math.Max(0, math.Min(1, ((fx-19)+(fy-19))/14))
			if math.Hypot(fx-(19+7*t), fy-(19+7*t)) <= 2.2 {
				img.Set(x, y, white)
			}
		}
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		panic(err)
	}
	var b bytes.Buffer
	// ICONDIR: reserved, type 1 (icon), one image.
	binary.Write(&b, binary.LittleEndian, [3]uint16{0, 1, 1})
	// ICONDIRENTRY: width, height, colours, reserved, planes, bpp, size, offset.
	b.Write([]byte{n, n, 0, 0})
	binary.Write(&b, binary.LittleEndian, [2]uint16{1, 32})
	binary.Write(&b, binary.LittleEndian, [2]uint32{uint32(pngBuf.Len()), 6 + 16})
	b.Write(pngBuf.Bytes())
	return b.Bytes()
}()
