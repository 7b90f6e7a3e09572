import sharp from 'sharp';
import { inspectImage, processAttachment } from '/work/wt-media/src/media/images.ts';
const jpeg = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#336699' } })
  .jpeg().withExif({ IFD0: { Make: 'Cam', Orientation: '6' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } }).toBuffer();
console.log((await sharp(jpeg).metadata()).exif?.length, (await sharp(jpeg).metadata()).orientation);
const i = await inspectImage(jpeg, 'file'); console.log(i);
let t = Date.now();
const p = await processAttachment(jpeg, i);
console.log(Date.now()-t, p.full.size, p.preview.size, p.blurhash, p.full.data.length);
const m = await sharp(p.full.data).metadata(); console.log(m.width, m.height, m.exif, m.orientation, m.icc?.length, m.xmp);
const gif = await sharp({ create: { width: 100, height: 50, channels: 4, background: '#ff0000' } }).gif().toBuffer();
const frames = await sharp([gif, gif, gif], { join: { animated: true } }).gif().toBuffer();
const gi = await inspectImage(frames, 'file'); console.log(gi);
const gp = await processAttachment(frames, gi); console.log((await sharp(gp.full.data, {animated:true}).metadata()).pages, gp.full.size);
